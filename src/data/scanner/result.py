"""What a market scan returns: one row per symbol it could measure, and the symbols it
left out with the reason (no ticker, no klines, malformed data, a failed request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scalplab.data.scanner.score import ScannerParams, Score
from scalplab.timeutil import iso_ms


@dataclass(frozen=True, slots=True)
class ScannerRow:
    """One symbol's scan: its metrics, its score and whether it qualifies (and why not).

    `atr_pct`, `candles` and `score` are None for a symbol that failed the cheap filters
    (volume, spread, 24 h change): its klines were never fetched, and it gets no score
    rather than a made-up one.
    """

    symbol: str
    price: float
    """The last price (24 h ticker)."""
    volume_24h: float
    """24 h quote volume (USDT)."""
    spread_pct: float
    price_change_pct: float
    atr_pct: float | None
    """ATR(14, 15m) at the last closed candle, % of its close."""
    candles: int | None
    """Closed 15m candles read (at most the scan's window)."""
    score: Score | None
    qualified: bool
    reasons: tuple[str, ...] = ()
    """Why it does not qualify (empty when it does)."""

    @property
    def total(self) -> float | None:
        """The opportunity score (0–100), None when not scored."""
        return None if self.score is None else self.score.total

    def to_dict(self) -> dict[str, Any]:
        """JSON form (sub-scores under `sub_scores`)."""
        score = self.score
        return {
            "symbol": self.symbol,
            "score": None if score is None else round(score.total, 4),
            "sub_scores": None
            if score is None
            else {
                "volume": round(score.volume, 4),
                "spread": round(score.spread, 4),
                "volatility": round(score.volatility, 4),
                "momentum": round(score.momentum, 4),
            },
            "price": self.price,
            "volume_24h": self.volume_24h,
            "spread_pct": round(self.spread_pct, 6),
            "price_change_pct": self.price_change_pct,
            "atr_pct": None if self.atr_pct is None else round(self.atr_pct, 6),
            "candles": self.candles,
            "qualified": self.qualified,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A symbol the scan could not measure, and why."""

    symbol: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One refresh of the scanner."""

    rows: tuple[ScannerRow, ...]
    """Scored rows by score (best first), then unscored ones by volume."""
    left_out: tuple[LeftOut, ...]
    taken_at: datetime
    """When the scan finished (UTC wall clock)."""
    market_time_ms: int | None
    """The venue's "now": the newest 24 h ticker's window end."""
    universe: int
    """USDT-M perpetuals trading per the exchangeInfo."""
    candidates: int
    """Symbols that passed the cheap filters (their klines were read)."""
    kline_requests: int
    """Kline requests of this refresh (cached closed candles are not fetched again)."""
    weight_used: int
    """REST request weight this refresh spent (Binance's documented weights)."""
    waited_s: float
    """Time its requests paused for the weight budget, `Retry-After` or retries (summed
    over the parallel clients)."""
    duration_s: float
    base_url: str
    params: ScannerParams = field(default_factory=ScannerParams)

    @property
    def qualified(self) -> list[ScannerRow]:
        """The qualified rows, best score first."""
        return [row for row in self.rows if row.qualified]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "taken_at": self.taken_at.isoformat().replace("+00:00", "Z"),
            "market_time": None if self.market_time_ms is None else iso_ms(self.market_time_ms),
            "universe": self.universe,
            "candidates": self.candidates,
            "qualified": len(self.qualified),
            "kline_requests": self.kline_requests,
            "weight_used": self.weight_used,
            "waited_s": round(self.waited_s, 3),
            "duration_s": round(self.duration_s, 4),
            "base_url": self.base_url,
            "params": {
                "min_volume_usdt": self.params.min_volume_usdt,
                "max_spread_pct": self.params.max_spread_pct,
                "min_change_pct": self.params.min_change_pct,
                "min_candles": self.params.min_candles,
                "min_atr_pct": self.params.min_atr_pct,
                "min_score": self.params.min_score,
                "interval": self.params.interval,
                "atr_period": self.params.atr_period,
            },
            "rows": [row.to_dict() for row in self.rows],
            "left_out": [{"symbol": x.symbol, "reason": x.reason} for x in self.left_out],
        }
