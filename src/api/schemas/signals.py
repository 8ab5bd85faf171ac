"""Schemas of `/signals`: recorded strategy signals and what became of each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scalplab.api.schemas.common import REASON_CODE_HELP, REASON_PARAMS_HELP
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
    reason_code: str | None = Field(None, description=REASON_CODE_HELP)
    reason_params: dict[str, float | str] = Field(
        default_factory=dict, description=REASON_PARAMS_HELP
    )
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


class FunnelCountPublic(BaseModel):
    """One line of a funnel breakdown: a rejection reason or a breaker, and its count."""

    name: str
    count: int


class SignalFunnelPublic(BaseModel):
    """What became of the recorded signals: `generated` (all) → `accepted` (of which
    `confirmed` by a person), `pending`, `rejected` by the pipeline's checks (by reason,
    `position_open` among them), `rejected_by_user`, `blocked` by breaker, `expired`,
    `cancelled` (withdrawn: data ended or reset) and `dropped` (the data's last bar)."""

    generated: int
    accepted: int
    confirmed: int
    pending: int
    rejected: int
    rejected_by_reason: list[FunnelCountPublic]
    rejected_by_user: int
    blocked: int
    blocked_by_breaker: list[FunnelCountPublic]
    expired: int
    cancelled: int
    dropped: int
