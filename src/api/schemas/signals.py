"""Schemas of `/signals`: recorded strategy signals and what became of each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scalplab.orders.models import SignalFate


class SignalPublic(BaseModel):
    """One signal of a strategy on a pair and what became of it.

    `status` (`SignalFate`): accepted (an order was queued; after a confirmation, once
    confirmed), rejected (`reason`; also a rejected confirmation), blocked (by the
    circuit `breaker`, `reason` says why), pending (waiting for confirmation), expired
    (its confirmation timed out), cancelled (its pair's data ended before it was
    confirmed), dropped (no bar left to fill on).
    """

    model_config = ConfigDict(extra="allow")

    id: int
    symbol: str
    strategy: str
    time: str = Field(description="open time of the signal's bar (UTC)")
    side: Literal["long", "short"]
    entry: float
    stop_loss: float
    take_profit: float
    confidence: float
    reasons: list[str]
    status: SignalFate
    reason: str
    breaker: str | None = Field(None, description="the circuit breaker of a blocked signal")
    qty: float = Field(description="sized quantity (0 unless accepted or pending)")
    order_id: str | None
    candle_in_ns: int | None = Field(
        None,
        description="stream events only: when the signal's candle reached the platform "
        "(wall-clock ns, for latency measurements)",
    )
    score: float | None = Field(None, description="the strategy's score, 0..100 (None: unset)")
    tier: str | None = Field(None, description="the strategy's tier of the signal (HIGH, …)")
    variant: str | None = Field(None, description="the strategy variant that fired (A, B, …)")
    breakdown: dict[str, float] = Field(
        default_factory=dict,
        description="feature → value; a feature named `x_score` is the sub-score of `x`",
    )


class ScoreboardRowPublic(BaseModel):
    """The newest scored signal of one (symbol, strategy): a row of the scoreboard."""

    signal_id: int
    symbol: str
    strategy: str
    score: float = Field(description="0..100")
    tier: str | None
    variant: str | None
    time: str = Field(description="open time of the signal's bar (UTC)")
    status: SignalFate


class ScoreBinPublic(BaseModel):
    """Signals scored within `[lower, upper)` (the last bin includes 100)."""

    lower: float
    upper: float
    count: int


class ScoreHistogramPublic(BaseModel):
    """The distribution of the stored signals' scores (signals without a score not counted)."""

    bins: list[ScoreBinPublic]
    total: int = Field(description="scored signals counted")
    mean: float | None = Field(description="their mean score (None without any)")
    strategy: str | None = Field(description="the strategy filter, if any")
    symbol: str | None = Field(description="the symbol filter, if any")
