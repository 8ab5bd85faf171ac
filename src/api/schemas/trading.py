"""Schemas of `/trading`: the kill switch (halt new entries, resume)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scalplab.api.schemas.common import RequestModel, UtcDateTime
from scalplab.services.trading import MAX_REASON_CHARS, HaltResult, HaltState
from scalplab.timeutil import from_ms


class TradingHalt(RequestModel):
    """Optional POST body of `/trading/halt`."""

    close_positions: bool = Field(
        False, description="also close every open position at market (a kill switch)"
    )
    reason: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_REASON_CHARS,
        examples=["maintenance"],
        description="why (shown on the Dashboard, in Telegram and in the log)",
    )


class TradingStatePublic(BaseModel):
    """The kill switch: halted or not, since when, why and by whom (`api`, `telegram`)."""

    model_config = ConfigDict(from_attributes=True)

    halted: bool
    since: UtcDateTime | None = Field(
        None, description="when it was halted (or last resumed); null: never halted"
    )
    since_ms: int | None = Field(None, description="`since` in epoch milliseconds")
    reason: str
    source: str

    @classmethod
    def of(cls, state: HaltState) -> TradingStatePublic:
        """The public form of the service's state."""
        return cls(
            halted=state.halted,
            since=None if state.since_ms is None else from_ms(state.since_ms),
            since_ms=state.since_ms,
            reason=state.reason,
            source=state.source,
        )


class TradingHalted(BaseModel):
    """The answer of `/trading/halt`: the state now, and the books (`SYMBOL/strategy`)
    whose positions are being closed (they fill at the next price)."""

    state: TradingStatePublic
    closed: list[str]

    @classmethod
    def of(cls, result: HaltResult) -> TradingHalted:
        """The public form of the service's result."""
        return cls(state=TradingStatePublic.of(result.state), closed=list(result.closed))
