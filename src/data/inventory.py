"""What the candle store holds, symbol by symbol, without one bad file hiding the rest.

`candle_inventory` lists every symbol with stored candles and, per readable
timeframe, its span (from Parquet statistics: cheap). A file that cannot be read
does not stop the listing: its symbol is listed with the error (one line naming
the symbol and timeframe, never a path), every other symbol as usual. It feeds
`GET /market/symbols` and `scalplab data list`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scalplab.data.candles import CandleStore
from scalplab.data.timeframes import TIMEFRAMES
from scalplab.errors import DataError


@dataclass(frozen=True, slots=True)
class StoredSpan:
    """Bars readable at one timeframe (`stored` false: resampled from 1m on read)."""

    timeframe: str
    stored: bool
    first_ms: int
    last_ms: int
    rows: int


@dataclass(frozen=True, slots=True)
class SymbolInventory:
    """One symbol: its readable timeframes, and what could not be read."""

    symbol: str
    spans: list[StoredSpan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """Every read error of the symbol in one line, or None."""
        return "; ".join(self.errors) or None


def symbol_inventory(store: CandleStore, symbol: str, resampled: bool = True) -> SymbolInventory:
    """The spans of `symbol`'s stored timeframes (and, with `resampled`, those read from 1m).

    A file that cannot be read (or holds no rows) is an error of the entry; a
    timeframe resampled from such a 1m file is left out: the 1m error says it all.
    """
    stored = store.timeframes(symbol)
    wanted = [tf for tf in TIMEFRAMES if tf in stored or (resampled and "1m" in stored)]
    entry = SymbolInventory(symbol)
    broken: set[str] = set()
    for tf in wanted:
        source = tf if tf in stored else "1m"
        if source in broken:
            continue
        try:
            first, last, rows = store.span(symbol, tf)
        except DataError as exc:  # unreadable, wrong schema, or a file without rows
            broken.add(source)
            entry.errors.append(exc.message)
            continue
        entry.spans.append(StoredSpan(tf, tf in stored, first, last, rows))
    return entry


def candle_inventory(store: CandleStore, resampled: bool = True) -> list[SymbolInventory]:
    """Every symbol with stored candles, sorted, each with its spans and read errors."""
    return [symbol_inventory(store, symbol, resampled) for symbol in store.symbols()]
