"""Schemas of `/data`: coverage, downloads, integrity checks and range deletion."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from scalplab.api.schemas.common import RequestModel, UtcDateTime


class GapPublic(BaseModel):
    """A hole: no bar strictly between `after` and `before`."""

    after: UtcDateTime
    before: UtcDateTime
    missing_bars: int


class TimeframeCoveragePublic(BaseModel):
    """One stored candle file: span, bars and holes (the largest few listed)."""

    timeframe: str
    first: UtcDateTime
    last: UtcDateTime
    bars: int
    gap_count: int
    missing_bars: int
    largest_gaps: list[GapPublic]


class FundingCoveragePublic(BaseModel):
    """Funding records against the settlement instants of the stored candles' span."""

    records: int
    first: UtcDateTime | None
    last: UtcDateTime | None
    expected: int = Field(description="settlement instants within the candle span")
    missing: int = Field(description="of those, the instants without a record")
    missing_first: list[UtcDateTime] = Field(description="the earliest missing instants")


class MarketDayPublic(BaseModel):
    """One recorded market-data day of a stream."""

    stream: str
    day: str
    rows: int
    missing_ids: int | None = Field(None, description="aggregate trades: ids missing")
    error: str | None = None


class SymbolCoveragePublic(BaseModel):
    """Everything stored for one symbol."""

    symbol: str
    timeframes: list[TimeframeCoveragePublic]
    resampled: list[str] = Field(description="timeframes read by resampling 1m")
    funding: FundingCoveragePublic | None
    market: list[MarketDayPublic]
    errors: list[str] = Field(description="files that could not be read")


class DownloadCreate(RequestModel):
    """`days` back from now, or a `start` (and optional `end`, default now) in UTC."""

    symbol: str = Field(min_length=1, max_length=30)
    timeframe: str = Field(min_length=1, max_length=5)
    days: int | None = Field(None, ge=1, le=3650)
    start: UtcDateTime | None = None
    end: UtcDateTime | None = None

    @model_validator(mode="after")
    def _one_range(self) -> Self:
        if (self.days is None) == (self.start is None):
            raise PydanticCustomError("range", "give either days or start (with an optional end)")
        if self.end is not None and self.start is None:
            raise PydanticCustomError("range", "end needs a start")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise PydanticCustomError("range", "start must be before end")
        return self


class DownloadPublic(BaseModel):
    """A download job: status, progress and outcome."""

    id: str
    symbol: str
    timeframe: str
    start: UtcDateTime
    end: UtcDateTime
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    pages: int
    fetched: int = Field(description="closed candles received")
    expected: int = Field(description="candles missing from the store when the job began")
    progress: float = Field(description="0..1")
    added: int
    total: int | None = Field(description="candles stored once the job ended")
    error: str | None
    created_at: UtcDateTime
    finished_at: UtcDateTime | None


class CheckCreate(RequestModel):
    """The symbol and timeframe to check."""

    symbol: str = Field(min_length=1, max_length=30)
    timeframe: str = Field("1m", min_length=1, max_length=5)


class CheckPublic(BaseModel):
    """`scalplab data check`'s report: candles (null: none stored) and market-data days."""

    symbol: str
    timeframe: str
    ok: bool
    resampled_from: str | None
    rows: int
    first: UtcDateTime | None
    last: UtcDateTime | None
    missing_bars: int
    gaps: list[GapPublic]
    duplicates: list[UtcDateTime]
    ohlc_violations: list[UtcDateTime]
    misaligned: list[UtcDateTime]
    market: list[MarketDayPublic]


class CandlesDeleted(BaseModel):
    """What a range deletion removed and what is stored afterwards."""

    symbol: str
    timeframe: str
    start: UtcDateTime
    end: UtcDateTime
    deleted: int
    remaining: int
    first: UtcDateTime | None
    last: UtcDateTime | None
