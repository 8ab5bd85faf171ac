"""Schemas of `/strategies`: plugin metadata, enough to build a form."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from scalplab.api.schemas.common import ParamValue


class ParamPublic(BaseModel):
    """One strategy parameter: type, default, bounds or choices, description."""

    name: str
    type: Literal["int", "float", "bool", "str"]
    default: ParamValue
    min: float | None = None
    max: float | None = None
    choices: list[str] | None = None
    description: str = ""


class StrategyPublic(BaseModel):
    """A strategy plugin and its parameters."""

    name: str
    version: str
    description: str
    params: list[ParamPublic]
    feeds: list[str] = Field(
        default_factory=list,
        description="extra feeds the plugin reads: a timeframe of the run's symbol ('1h') "
        "or 'SYMBOL:tf'",
    )
    market_data: list[str] = Field(
        default_factory=list,
        description="market data beyond candles the plugin reads: aggTrades, bookTicker, "
        "depth20, openInterest, funding, markPrice, longShortRatio, forceOrder",
    )
    external_layers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="external data layers the plugin scores → the providers each reads "
        "(their recorded snapshots in backtests and replays, the polled readings live)",
    )
