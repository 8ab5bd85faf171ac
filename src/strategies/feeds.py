"""The extra feeds a plugin declares (`feeds = ("1h", "BTCUSDT:5m")`) and how they align.

An entry is a timeframe of the run's own symbol (`"1h"`) or `"SYMBOL:tf"` for a
reference symbol. Backtrader steps a strategy on every feed's bars in time order; a
bar of an extra feed is stamped at the open of the base bar that closes with it (its
close minus one base bar), so at the close of base bar t the strategy has every extra
bar that closed by t's close and none that is still forming — in backtests and in
paper trading alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError


@dataclass(frozen=True, slots=True)
class FeedRef:
    """One declared extra feed: `symbol` None means the run's own symbol."""

    symbol: str | None
    timeframe: str

    def resolve(self, run_symbol: str) -> tuple[str, str]:
        """`(symbol, timeframe)` for a run on `run_symbol`."""
        return (self.symbol or run_symbol, self.timeframe)

    def __str__(self) -> str:
        return self.timeframe if self.symbol is None else f"{self.symbol}:{self.timeframe}"


def parse_feed(entry: object) -> FeedRef:
    """`"1h"` or `"BTCUSDT:5m"` → `FeedRef` (`InputError` naming what is wrong)."""
    if not isinstance(entry, str) or not entry.strip():
        raise InputError(f"feed {entry!r} must be a timeframe like '1h' or 'SYMBOL:tf'")
    symbol, sep, timeframe = entry.strip().rpartition(":")
    try:
        timeframe_ms(timeframe)
    except InputError:
        raise InputError(f"feed {entry!r}: unknown timeframe {timeframe!r}") from None
    if not sep:
        return FeedRef(None, timeframe)
    try:
        return FeedRef(normalize_symbol(symbol), timeframe)
    except InputError:
        raise InputError(f"feed {entry!r}: invalid symbol {symbol!r}") from None


def parse_feeds(entries: Iterable[object]) -> tuple[FeedRef, ...]:
    """Every declared feed, in declaration order; duplicates are refused."""
    if isinstance(entries, str):
        raise InputError(f"feeds must be a tuple of strings, not the string {entries!r}")
    refs = tuple(parse_feed(entry) for entry in entries)
    seen: set[FeedRef] = set()
    for ref in refs:
        if ref in seen:
            raise InputError(f"feed {ref} is declared twice")
        seen.add(ref)
    return refs


def stamp_offset_ms(feed_timeframe: str, base_timeframe: str) -> int:
    """What to add to an extra bar's open time to stamp it at the open of the base bar
    that closes with it (0 for the base feed itself)."""
    return timeframe_ms(feed_timeframe) - timeframe_ms(base_timeframe)
