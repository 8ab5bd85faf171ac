"""Schemas of a run's properties: the overrides a run request carries, and what a form
needs to show them (the environment's values and the bounds).

The bounds are `scalplab.orders.properties.BOUNDS` (the environment's own), so the API
refuses (422, naming the field) exactly what the CLI and the engine refuse.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from scalplab.api.schemas.common import RequestModel
from scalplab.config import FundingModel
from scalplab.orders.properties import BOUNDS, RunProperties


def _limit(name: str, description: str) -> Any:
    """An optional number with `BOUNDS[name]` as its JSON-schema bounds."""
    bound = BOUNDS[name]
    limits: dict[str, Any] = {}
    if bound.low is not None:
        limits["gt" if bound.low_open else "ge"] = bound.low
    if bound.high is not None:
        limits["lt" if bound.high_open else "le"] = bound.high
    return Field(None, description=description, **limits)


class RunPropertiesCreate(RequestModel):
    """Economics to change for one run; the ones not given keep the environment's."""

    initial_capital: float | None = _limit("initial_capital", "starting equity, USDT")
    risk_per_trade_pct: float | None = _limit(
        "risk_per_trade_pct", "equity risked per trade, % (sizing)"
    )
    max_leverage: float | None = _limit("max_leverage", "leverage (×): caps size and margin")
    maker_fee_pct: float | None = _limit("maker_fee_pct", "fee on limit fills, % of notional")
    taker_fee_pct: float | None = _limit(
        "taker_fee_pct", "fee on market and stop fills, % of notional"
    )
    slippage_pct: float | None = _limit("slippage_pct", "slippage of market and stop fills, %")
    funding_model: FundingModel | None = Field(
        None,
        description="recorded: the stored rates (funding_rate where none); fixed: funding_rate "
        "at every settlement; none: no funding",
    )
    funding_rate: float | None = _limit(
        "funding_rate", "rate per settlement as a fraction (0.0001 = 0.01 %)"
    )

    @field_validator("funding_rate")
    @classmethod
    def _rate_needs_funding(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("funding_model") == "none":
            raise ValueError("is for the fixed or recorded funding model, not none")
        return value

    def to_properties(self) -> RunProperties:
        """The run properties given."""
        return RunProperties.of(self.model_dump(exclude_none=True))


class PropertyFieldPublic(BaseModel):
    """One numeric property: the environment's value (`default`) and its bounds."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    default: float
    min: float | None
    min_exclusive: bool = Field(description="true: `min` itself is refused")
    max: float | None
    max_exclusive: bool = Field(description="true: `max` itself is refused")


class PropertiesSchemaPublic(BaseModel):
    """The properties a run may change, with the environment's values (a run's defaults)."""

    model_config = ConfigDict(from_attributes=True)

    fields: list[PropertyFieldPublic]
    funding_models: list[FundingModel]
    funding_model: FundingModel = Field(description="the environment's funding model")
