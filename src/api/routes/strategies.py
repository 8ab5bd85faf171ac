"""`/strategies`: the plugin registry (names, versions, parameter metadata, extra feeds,
declared market data)."""

from __future__ import annotations

from fastapi import APIRouter

from scalplab.api.deps import StrategiesDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.strategies import ParamPublic, StrategyPublic
from scalplab.strategies.registry import StrategyInfo

router = APIRouter(prefix="/strategies", tags=["strategies"])


def _public(info: StrategyInfo) -> StrategyPublic:
    return StrategyPublic(
        name=info.name,
        version=info.version,
        description=info.description,
        params=[
            ParamPublic(
                name=spec.name,
                type=spec.type,
                default=spec.default,
                min=spec.min,
                max=spec.max,
                choices=None if spec.choices is None else list(spec.choices),
                description=spec.description,
            )
            for spec in info.params.values()
        ],
        feeds=[str(feed) for feed in info.feeds],
        market_data=list(info.market_data),
        external_layers={layer: list(names) for layer, names in info.external_layers.items()},
    )


@router.get("", response_model=list[StrategyPublic])
async def list_strategies(strategies: StrategiesDep) -> list[StrategyPublic]:
    """Every strategy plugin, by name."""
    return [_public(info) for info in strategies.list()]


@router.get("/{name}", response_model=StrategyPublic, responses={404: {"model": ErrorPublic}})
async def get_strategy(name: str, strategies: StrategiesDep) -> StrategyPublic:
    """One strategy plugin."""
    return _public(strategies.get(name))
