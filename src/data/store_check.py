"""`scalplab data check` and the Data tab's "check integrity": one report for both.

The stored candles of a symbol and timeframe (read unchecked, resampled from 1m when
the timeframe has no file) go through `check_candles`; the symbol's recorded
market-data days are listed with their rows and unreadable files. Gaps alone are fine;
duplicates, OHLC violations, off-grid bars or an unreadable market-data file are not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scalplab.data.candles import CandleStore
from scalplab.data.integrity import IntegrityReport, check_candles
from scalplab.data.market_store import MarketStore, StoredDay
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import NoDataError


@dataclass(frozen=True, slots=True)
class StoreCheck:
    """The integrity report of one symbol and timeframe, and its market-data days."""

    symbol: str
    timeframe: str
    resampled: bool
    """True when `timeframe` has no file and the 1m candles were resampled."""
    candles: IntegrityReport | None
    """None: no candles stored (market data only)."""
    market: list[StoredDay] = field(default_factory=list)

    @property
    def unreadable_market(self) -> int:
        """Market-data days that could not be read."""
        return sum(day.error is not None for day in self.market)

    @property
    def ok(self) -> bool:
        """True when nothing is corrupt (gaps alone are fine)."""
        return (self.candles is None or self.candles.ok) and not self.unreadable_market


def check_stored(candles: CandleStore, market: MarketStore, symbol: str, tf: str) -> StoreCheck:
    """Check `symbol`'s `tf` candles and list its market-data days.

    `NoDataError` when neither candles nor market data are stored for the symbol.
    """
    name = normalize_symbol(symbol)
    timeframe_ms(tf)
    days = market.inventory(name)
    resampled = tf != "1m" and not candles.path(name, tf).exists()
    try:
        report: IntegrityReport | None = check_candles(candles.read(name, tf), tf)
    except NoDataError:
        if not days:
            raise
        report = None
    return StoreCheck(name, tf, resampled and report is not None, report, days)
