"""Schemas of the risk gate's settings: per-run overrides and what a form needs to know.

`RiskOverrides` lists every field of `scalplab.orders.risk.RiskSettings` as optional,
with the same bounds (a test keeps the two in step); types are strict (`true` is not a
number, `"3"` is not a number) and an unknown field is refused.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scalplab.orders.risk import RiskSettings

RiskValue = bool | int | float

BreakerEffect = Literal["block_signal", "block_scope", "pause", "pause_until", "raise_threshold"]
"""What a breaker's block does (the blocking effects of `scalplab.strategies.breakers`;
`pause` is also the kill switch's, `halted`)."""

SCOPE_HELP = (
    "what the breaker acted on: global (every book), strategy (every symbol of the "
    "strategy), symbol (every book on the symbol); a pause acts on every entry: global"
)
EFFECT_HELP = (
    "what the block does: block_signal (this signal only), block_scope (the scope is "
    "blocked until `until`), pause (every new entry stops until trading is resumed), "
    "pause_until (every new entry stops until `until`), raise_threshold (a signal scoring "
    "under the raised threshold is blocked)"
)
UNTIL_HELP = (
    "bar time (UTC) until which the block holds; null: while its condition holds, or until "
    "trading is resumed (a pause)"
)


def _bounds(name: str) -> dict[str, Any]:
    """`ge`/`le` of `RiskSettings.<name>` (the one place bounds are defined)."""
    schema = RiskSettings.model_json_schema()["properties"][name]
    bounds = {"ge": schema.get("minimum"), "le": schema.get("maximum")}
    return {key: value for key, value in bounds.items() if value is not None}


def _limit(name: str, description: str) -> Any:
    return Field(None, description=description, **_bounds(name))


class RiskOverrides(BaseModel):
    """Risk settings to change for one run; the ones not given keep the environment's."""

    model_config = ConfigDict(extra="forbid", strict=True)

    min_rr_enabled: bool | None = None
    min_rr: float | None = _limit("min_rr", "least reward/risk an entry needs")
    max_open_positions_enabled: bool | None = None
    max_open_positions: int | None = _limit("max_open_positions", "0 disables")
    daily_loss_limit_enabled: bool | None = None
    daily_loss_limit_pct: float | None = _limit(
        "daily_loss_limit_pct", "equity loss in % of the UTC day's start that blocks"
    )
    loss_streak_enabled: bool | None = None
    loss_streak_limit: int | None = _limit("loss_streak_limit", "consecutive losses that block")
    loss_streak_cooldown_minutes: int | None = _limit(
        "loss_streak_cooldown_minutes", "how long a loss streak blocks"
    )
    overtrading_enabled: bool | None = None
    max_trades_per_hour: int | None = _limit("max_trades_per_hour", "entries per rolling hour")
    spread_enabled: bool | None = None
    max_spread_pct: float | None = _limit("max_spread_pct", "bid-ask spread in % that blocks")
    extreme_volatility_enabled: bool | None = None
    extreme_volatility_atr_mult: float | None = _limit(
        "extreme_volatility_atr_mult", "ATR against its average that blocks"
    )
    atr_period: int | None = _limit("atr_period", "ATR period in bars")
    atr_average_window: int | None = _limit("atr_average_window", "ATR values averaged")


class RiskUsedPublic(RiskSettings):
    """The risk settings a backtest ran with, and the breakers that were on."""

    breakers_on: list[str] = Field(
        default_factory=list, description="breakers that bound (enabled with a limit above 0)"
    )


class RiskFieldPublic(BaseModel):
    """One risk setting: type, the environment's value, bounds, the breaker it configures."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    type: Literal["bool", "int", "float"]
    default: RiskValue
    min: float | None
    max: float | None
    breaker: str


class RiskSchemaPublic(BaseModel):
    """`GET /settings/risk-schema`: every risk field in order, the breakers in checking
    order and the environment's settings (what a backtest uses unless overridden)."""

    model_config = ConfigDict(from_attributes=True)

    fields: list[RiskFieldPublic]
    breakers: list[str]
    defaults: RiskSettings
