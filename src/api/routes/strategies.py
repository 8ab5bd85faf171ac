"""`/strategies`: the plugin registry (names, versions, parameter metadata)."""

from __future__ import annotations

from fastapi import APIRouter

from scalplab.api.deps import RegistryDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.strategies import StrategyPublic

router = APIRouter(prefix="/strategies", tags=["strategies"])


@router.get("", response_model=list[StrategyPublic])
async def list_strategies(registry: RegistryDep) -> list[dict[str, object]]:
    """Every strategy plugin, by name."""
    return [info.to_dict() for info in registry.list()]


@router.get("/{name}", response_model=StrategyPublic, responses={404: {"model": ErrorPublic}})
async def get_strategy(name: str, registry: RegistryDep) -> dict[str, object]:
    """One strategy plugin."""
    return registry.get(name).to_dict()
