"""Schemas of `/scanner`: the market scan, its refresh and the auto universe."""

from __future__ import annotations

from pydantic import BaseModel, Field

from scalplab.api.schemas.common import RequestModel, UtcDateTime
from scalplab.services.scanner import ScannerState


class ScannerSubScoresPublic(BaseModel):
    """The four sub-scores of the seed's opportunity score (each 0–100)."""

    volume: float = Field(description="min(100, volume_24h / 5,000,000 × 100)")
    spread: float = Field(description="max(0, 100 − spread_pct / 0.10 × 100)")
    volatility: float = Field(description="min(100, atr_pct / 1.0 × 100)")
    momentum: float = Field(description="min(100, |price_change_pct| / 3 × 100)")


class ScannerRowPublic(BaseModel):
    """One measured symbol. `atr_pct`, `candles`, `score` are null for a symbol that failed
    the cheap filters (volume, spread, 24 h change): its klines were not read."""

    symbol: str
    score: float | None = Field(
        description="0.35 × volume + 0.25 × spread + 0.25 × volatility + 0.15 × momentum"
    )
    sub_scores: ScannerSubScoresPublic | None
    price: float = Field(description="last price (24 h ticker)")
    volume_24h: float = Field(description="24 h quote volume, USDT")
    spread_pct: float = Field(description="(ask − bid) / ask × 100")
    price_change_pct: float = Field(description="24 h change, %")
    atr_pct: float | None = Field(description="ATR(14, 15m) at the last closed candle, % of it")
    candles: int | None = Field(description="closed 15m candles read")
    qualified: bool
    reasons: list[str] = Field(description="why it does not qualify (empty when it does)")


class ScannerLeftOutPublic(BaseModel):
    """A symbol the scan could not measure (no ticker, no klines, bad data), and why."""

    symbol: str
    reason: str


class ScannerParamsPublic(BaseModel):
    """The thresholds of a scan (`SCANNER_*`)."""

    min_volume_usdt: float
    max_spread_pct: float
    min_change_pct: float
    min_candles: int
    min_atr_pct: float
    min_score: float
    interval: str
    atr_period: int


class ScanResultPublic(BaseModel):
    """One refresh: every measured symbol (scored ones best first) and the ones left out."""

    taken_at: UtcDateTime
    market_time: str | None = Field(description="the venue's now: the newest ticker's end")
    universe: int = Field(description="USDT-M perpetuals trading per the exchangeInfo")
    candidates: int = Field(description="symbols that passed the cheap filters")
    qualified: int
    kline_requests: int
    weight_used: int = Field(description="REST request weight this refresh spent")
    waited_s: float = Field(description="time its requests paused for rate limits and retries")
    duration_s: float
    base_url: str
    params: ScannerParamsPublic
    rows: list[ScannerRowPublic]
    left_out: list[ScannerLeftOutPublic]


class ScannerPublic(BaseModel):
    """The scanner: whether it refreshes, the auto universe and the latest scan."""

    enabled: bool = Field(description="SCANNER_ENABLED: refresh while the engine runs live")
    active: bool = Field(description="refreshing now (the engine runs on the live feed)")
    refresh_seconds: int
    auto_universe: bool = Field(
        description="each refresh follows the qualified pairs and drops the ones it added that "
        "fell out"
    )
    auto_strategy: str
    auto_timeframe: str
    auto_max_pairs: int
    auto_pairs: list[str] = Field(description="symbols the auto universe added and follows")
    last_attempt_at: UtcDateTime | None
    last_error: str | None = Field(description="why the latest refresh failed")
    result: ScanResultPublic | None = Field(description="the latest good scan (null: none yet)")

    @classmethod
    def of(cls, state: ScannerState) -> ScannerPublic:
        """The public form of the service's state."""
        return cls(
            enabled=state.enabled,
            active=state.active,
            refresh_seconds=state.refresh_seconds,
            auto_universe=state.auto_universe,
            auto_strategy=state.auto_strategy,
            auto_timeframe=state.auto_timeframe,
            auto_max_pairs=state.auto_max_pairs,
            auto_pairs=list(state.auto_pairs),
            last_attempt_at=state.last_attempt_at,
            last_error=state.last_error,
            result=None
            if state.result is None
            else ScanResultPublic.model_validate(state.result.to_dict()),
        )


class ScannerPatch(RequestModel):
    """`PATCH /scanner`: switch the auto universe."""

    auto_universe: bool
