"""`/settings`: confirm-order execution, confirmation TTL, replay speed and risk limits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import RuntimeSettingsDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.settings import SettingsPatch, SettingsPublic, SettingsUpdate

router = APIRouter(prefix="/settings", tags=["settings"])

ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorPublic}}


@router.get("", response_model=SettingsPublic)
async def get_settings(settings: RuntimeSettingsDep) -> dict[str, Any]:
    """The settings in force (changed values are stored and survive a restart)."""
    return settings.get()


@router.put("", response_model=SettingsPublic, responses=ERRORS)
async def replace_settings(body: SettingsUpdate, settings: RuntimeSettingsDep) -> dict[str, Any]:
    """Set every top-level setting; a value out of range is a 422 and changes nothing."""
    return await run_in_threadpool(settings.update, body.model_dump())


@router.patch("", response_model=SettingsPublic, responses=ERRORS)
async def update_settings(body: SettingsPatch, settings: RuntimeSettingsDep) -> dict[str, Any]:
    """Change the fields given; a value out of range is a 422 and changes nothing."""
    return await run_in_threadpool(settings.update, body.model_dump(exclude_none=True))
