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
