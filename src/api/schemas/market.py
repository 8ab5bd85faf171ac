"""Schemas of `/market`: what candles are stored, and the candles themselves."""

from __future__ import annotations

from pydantic import BaseModel, Field

from scalplab.api.schemas.common import UtcDateTime


class TimeframeSpan(BaseModel):
    """Bars available for one timeframe (`stored` false: resampled from 1m on read)."""

    timeframe: str
    stored: bool
    first: UtcDateTime
    last: UtcDateTime
    bars: int


class SymbolPublic(BaseModel):
    """A symbol with stored candles and every timeframe it can be read at."""

    symbol: str
    timeframes: list[TimeframeSpan]
    error: str | None = Field(
        None, description="why a stored file of the symbol cannot be read (others still list)"
    )


class CandlePublic(BaseModel):
    """One bar; `time` is its open time in epoch seconds (UTC)."""

    time: int
    open: float
    high: float
    low: float
    close: float
    volume: float
