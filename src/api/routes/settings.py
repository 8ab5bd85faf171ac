"""`/settings`: confirm-order execution, confirmation TTL, replay speed and risk limits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import RuntimeSettingsDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.properties import PropertiesSchemaPublic
from scalplab.api.schemas.risk import RiskSchemaPublic
from scalplab.api.schemas.settings import SettingsPatch, SettingsPublic, SettingsUpdate
from scalplab.simulation.settings_store import SimulationSettings

router = APIRouter(prefix="/settings", tags=["settings"])

ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorPublic}}


def _public(settings: SimulationSettings) -> SettingsPublic:
    return SettingsPublic(
        confirm_orders=settings.confirm_orders,
        pending_ttl_seconds=settings.pending_ttl_seconds,
        replay_speed=settings.replay_speed,
        risk=settings.risk,
    )


@router.get("", response_model=SettingsPublic)
async def get_settings(settings: RuntimeSettingsDep) -> SettingsPublic:
    """The settings in force (changed values are stored and survive a restart)."""
    return _public(settings.get())


@router.put("", response_model=SettingsPublic, responses=ERRORS)
async def replace_settings(body: SettingsUpdate, settings: RuntimeSettingsDep) -> SettingsPublic:
    """Set every top-level setting; a value out of range is a 422 and changes nothing."""
    return _public(await run_in_threadpool(settings.update, body.model_dump()))


@router.patch("", response_model=SettingsPublic, responses=ERRORS)
async def update_settings(body: SettingsPatch, settings: RuntimeSettingsDep) -> SettingsPublic:
    """Change the fields given; a value out of range is a 422 and changes nothing."""
    patch = body.model_dump(exclude_none=True)
    return _public(await run_in_threadpool(settings.update, patch))


@router.get("/risk-schema", response_model=RiskSchemaPublic)
async def get_risk_schema(settings: RuntimeSettingsDep) -> RiskSchemaPublic:
    """Every risk setting with its type, bounds and breaker, and the environment's values:
    what a backtest runs with unless its request overrides them (`POST /backtests` `risk`)."""
    return RiskSchemaPublic.model_validate(settings.risk_schema(), from_attributes=True)


@router.get("/properties", response_model=PropertiesSchemaPublic)
async def get_properties(settings: RuntimeSettingsDep) -> PropertiesSchemaPublic:
    """A backtest's properties (capital, risk %, leverage, fees, slippage, funding model)
    with the environment's values and bounds: what a run uses unless its request
    overrides them (`POST /backtests` `properties`)."""
    return PropertiesSchemaPublic.model_validate(settings.properties, from_attributes=True)
