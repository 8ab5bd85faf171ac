"""Schemas of `/simulation`: engine state, portfolio, positions, trades, metrics, risk events.

Times are ISO-8601 UTC strings as the engine reports them. Response models allow
extra keys so a field the engine adds later passes through unchanged.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from scalplab.api.schemas.backtests import MetricsPublic, TradePublic
from scalplab.api.schemas.common import (
    REASON_CODE_HELP,
    REASON_PARAMS_HELP,
    RequestModel,
    UtcDateTime,
)
from scalplab.api.schemas.risk import EFFECT_HELP, SCOPE_HELP, UNTIL_HELP, BreakerEffect
from scalplab.errors import snippet
from scalplab.limits import REPLAY_SPEED_RULE, ReplaySpeed, replay_speed_ok
from scalplab.strategies.breakers import Scope
from scalplab.validation import FINITE


class SimulationStart(RequestModel):
    """Optional POST body of `/simulation/start`.

    Without a body (or with no field set) the engine continues its last run,
    after its cursor, or starts the default feed (`SIMULATION_FEED`: Binance's live
    stream unless set to `replay`). `feed: "replay"` alone continues the last replay or
    starts the default replay. Otherwise: `speed` is a
    multiple of real time (60 = one minute of bars per second), `"max"` for as
    fast as possible, omitted for the `replay_speed` setting; `start`/`end`
    (UTC, end exclusive) bound the replayed candles (default: all stored).
    """

    speed: ReplaySpeed | Literal["max"] | None = Field(
        None, examples=[60, "max"], description="multiple of real time (0.1 to 1000000), or 'max'"
    )
    start: UtcDateTime | None = Field(None, examples=["2025-06-17"])
    end: UtcDateTime | None = Field(None, examples=["2025-06-24"])
    feed: Literal["replay", "live"] | None = Field(
        None, description="'live': Binance's stream (REST_URL, WS_URL); default: replay"
    )
    candles: int | None = Field(
        None, ge=1, le=1_000_000, description="live feed: stop after this many closed 1m klines"
    )

    @field_validator("speed", mode="before")
    @classmethod
    def _speed(cls, value: object) -> object:
        """One clear message instead of one per union member."""
        return speed_or_max(value)


def speed_or_max(value: object) -> object:
    """A replay speed field's check: None, 'max' or a number within the bounds."""
    if value is None or value == "max":
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", FINITE)
        if not replay_speed_ok(value):
            raise PydanticCustomError("replay_speed", REPLAY_SPEED_RULE)
        return value
    raise PydanticCustomError(
        "speed_type",
        "must be a number (times real time) or 'max', not {value}",
        {"value": snippet(value)},
    )


class ReplayChange(RequestModel):
    """PATCH body of `/simulation/replay`: the running replay's new speed."""

    speed: ReplaySpeed | Literal["max"] = Field(
        examples=[60, "max"], description="multiple of real time (0.1 to 1000000), or 'max'"
    )

    @field_validator("speed", mode="before")
    @classmethod
    def _speed(cls, value: object) -> object:
        """One clear message instead of one per union member."""
        if value is None:
            raise PydanticCustomError("speed_type", "must be a number or 'max', not null")
        return speed_or_max(value)


class ReplayProgressPublic(BaseModel):
    """A replay's progress: bar `bar` of `bars` of its base stream (the pairs' own
    timeframes), paused or not, and its pace (None: as fast as possible)."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    bar: int
    bars: int
    paused: bool
    speed: float | None


class EquityPointPublic(BaseModel):
    """The paper portfolio's equity at a bar (`time`: the bar's open, epoch seconds)."""

    time: int
    equity: float


class PairStatusPublic(BaseModel):
    """One pair the engine trades."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    symbol: str
    strategy: str
    timeframe: str
    bars: int
    last_bar: str | None
    feed_state: str | None = Field(
        None, description="live feed: connecting | connected | stale | reconnecting"
    )
    message_age_s: float | None = Field(None, description="live feed: age of the last message")
    last_price: float | None = None
    bid: float | None = None
    ask: float | None = None
    spread: float | None = None


class StatusPublic(BaseModel):
    """Engine state: running or not, the feed, the pairs and how far they got."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    state: Literal["running", "stopped"]
    mode: Literal["simulation"]
    feed: str | None
    speed: float | None
    started_at: str | None
    pairs: list[PairStatusPublic]
    candles_processed: int
    confirm_orders: bool
    finished: bool = Field(description="the replay has played every candle")
    error: str | None = Field(description="why the engine stopped on its own, if it did")
    replay: ReplayProgressPublic | None = Field(
        None, description="a replay's progress (bar X of N), pause and pace; null on live"
    )


class PortfolioPublic(BaseModel):
    """Account totals of the paper portfolio."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    initial_capital: float
    cash: float
    equity: float
    unrealised_pnl: float
    realised_pnl: float
    fees: float
    funding: float
    slippage: float
    margin_used: float
    open_positions: int
    updated_at: str | None


class PositionPublic(BaseModel):
    """One open position of a book (a strategy on a symbol), marked at its last close."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    symbol: str
    strategy: str
    side: Literal["long", "short"]
    qty: float
    entry_price: float
    mark_price: float | None
    unrealised_pnl: float
    stop_loss: float | None
    take_profit: float | None
    liquidation_price: float | None
    margin: float
    opened_at: str


class SimTradePublic(TradePublic):
    """One closed trade of the simulation (a backtest trade plus its book)."""

    symbol: str
    strategy: str


class PerformancePublic(MetricsPublic):
    """Performance metrics over the simulation (same set as a backtest's)."""


class RiskEventPublic(BaseModel):
    """One signal or order a circuit breaker blocked: the reason, and the scope, effect and
    end of the breaker's hold (an event stored before they were recorded reads as a
    global `block_signal` without an end)."""

    model_config = ConfigDict(extra="allow")

    id: int
    time: str = Field(description="bar time of the blocked signal")
    symbol: str
    strategy: str
    breaker: str
    reason: str
    code: str | None = Field(None, description=REASON_CODE_HELP)
    params: dict[str, float | str] = Field(default_factory=dict, description=REASON_PARAMS_HELP)
    signal_id: int | None
    scope: Scope = Field(description=SCOPE_HELP)
    effect: BreakerEffect = Field(description=EFFECT_HELP)
    until: str | None = Field(description=UNTIL_HELP)


class PositionClosed(BaseModel):
    """Answer to closing a position: the exit fills at the next bar's open."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    symbol: str
    strategy: str
    requested: bool
