"""`LiveFeatures`: the per-bar features of live paper trading, built from stream events.

It buffers the events of one symbol (aggregate trades, book tops, partial books, mark
prices, open interest, liquidations) and, when a bar of the run's timeframe closes,
runs the backtest's pipeline (`compute_columns`) over that bar's buffered arrays: so a
live bar's features equal a backtest's over the same events, bit for bit. Only what
later bars can still need is kept: trades of the sweep window, the last snapshot of
each stream before the close, and what arrived for later bars.

A bar that closed before the first event arrived (warm-up history) has no features;
the CVD sums the bars closed since then. An aggregate trade or liquidation stamped in
a bar that has already closed (it arrived late) is counted in `late` and dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from scalplab.data.features.pipeline import MarketInputs, compute_columns, features_of
from scalplab.data.features.records import NO_FEATURES, BarFeatures
from scalplab.data.features.snapshots import Snapshots
from scalplab.data.features.spec import FeatureParams
from scalplab.data.features.trades import TradeArrays
from scalplab.data.market_events import (
    AggregateTrade,
    BookTop,
    Liquidation,
    MarketEvent,
    MarkPrice,
    OpenInterest,
    PartialBook,
)
from scalplab.data.market_store import BOOK_LEVELS, level_columns
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms

Row = tuple[float, ...]

_TOPS = ("bid", "ask", "bid_qty", "ask_qty")
_MARKS = ("mark_price", "index_price", "funding_rate", "next_funding_time")
_LIQUIDATIONS = ("sell", "filled_quantity", "average_price")
_LEVELS = level_columns()


class LiveFeatures:
    """Per-bar features of `symbol` on `timeframe` from live events (a `MarketSource`)."""

    def __init__(
        self,
        symbol: str,
        timeframe: str,
        declared: Sequence[str],
        params: FeatureParams | None = None,
    ) -> None:
        self.symbol = normalize_symbol(symbol)
        self.tf_ms = timeframe_ms(timeframe)
        self.declared = tuple(declared)
        self.params = params or FeatureParams()
        self.start_ms: int | None = None
        """Time of the first event: bars closed by then have no features."""
        self.late = 0
        self._trades: list[tuple[int, float, float, bool]] = []
        self._rows: dict[str, list[tuple[int, Row | PartialBook]]] = {
            name: [] for name in ("tops", "depth", "marks", "interest", "liquidations")
        }
        self._closed_until: int | None = None
        self._cvd = 0.0
        self._current = NO_FEATURES

    # ----- events ---------------------------------------------------------------------

    def on_event(self, event: MarketEvent) -> None:
        """Take one stream event (other symbols and kinds are ignored)."""
        if getattr(event, "symbol", None) != self.symbol:
            return
        if isinstance(event, AggregateTrade):
            self._add_trade(event)
        elif isinstance(event, BookTop):
            self._add("tops", event.transact_time, (event.bid, event.ask, event.bid_qty,
                                                     event.ask_qty))  # fmt: skip
        elif isinstance(event, PartialBook):
            self._add("depth", event.transact_time, event)  # made a row only if it is kept
        elif isinstance(event, MarkPrice):
            self._add("marks", event.event_time, (event.mark_price, event.index_price,
                                                   event.funding_rate,
                                                   float(event.next_funding_time)))  # fmt: skip
        elif isinstance(event, OpenInterest):
            self._add("interest", event.time, (event.open_interest,))
        elif isinstance(event, Liquidation):
            if self._is_late(event.trade_time):
                return
            row = (1.0 if event.side == "sell" else 0.0, event.filled_quantity,
                   event.average_price)  # fmt: skip
            self._add("liquidations", event.trade_time, row)

    def _started(self, time_ms: int) -> None:
        if self.start_ms is None:
            self.start_ms = time_ms

    def _is_late(self, time_ms: int) -> bool:
        if self._closed_until is not None and time_ms < self._closed_until:
            self.late += 1
            return True
        self._started(time_ms)
        return False

    def _add_trade(self, trade: AggregateTrade) -> None:
        if not self._is_late(trade.transact_time):
            self._trades.append(
                (trade.transact_time, trade.price, trade.quantity, trade.is_buyer_maker)
            )

    def _add(self, stream: str, time_ms: int, row: Row | PartialBook) -> None:
        """Buffer a row. A snapshot stream keeps only the latest row of each bar bucket:
        a bar reads the last snapshot before its close (and open interest also the last
        before its open), which is always the latest of some bucket, so nothing a bar can
        read is dropped, and a busy book costs a few rows a bar instead of hundreds."""
        self._started(time_ms)
        rows = self._rows[stream]
        if rows and stream != "liquidations":
            last_ms = rows[-1][0]
            if last_ms // self.tf_ms == time_ms // self.tf_ms:
                if time_ms >= last_ms:
                    rows[-1] = (time_ms, row)
                return
        rows.append((time_ms, row))

    # ----- bars -----------------------------------------------------------------------

    def close_bar(self, open_ms: int) -> None:
        """The bar opened at `open_ms` closed: compute its features from the buffers."""
        close_ms = open_ms + self.tf_ms
        if self.start_ms is None or close_ms <= self.start_ms:
            self._current = NO_FEATURES  # warm-up history: before the stream began
            return
        columns = compute_columns(
            self.inputs(), np.array([open_ms], dtype=np.int64), self.tf_ms, self.declared,
            self.params,
        )  # fmt: skip
        if "delta" in columns:
            self._cvd = self._cvd + float(columns["delta"][0])
            columns["cvd"] = np.array([self._cvd])
        self._current = features_of(columns, 0)
        self._closed_until = close_ms
        self._trim(close_ms)

    def current(self) -> BarFeatures:
        """The features of the bar that closed last."""
        return self._current

    def inputs(self) -> MarketInputs:
        """The buffered events as the pipeline's arrays."""
        trades = None
        if self._trades:
            times, prices, quantities, makers = zip(*self._trades, strict=True)
            trades = TradeArrays(
                np.array(times, dtype=np.int64),
                np.array(prices, dtype=np.float64),
                np.array(quantities, dtype=np.float64),
                np.array(makers, dtype=np.bool_),
            ).sorted()
        elif "aggTrades" in self.declared and self.start_ms is not None:
            trades = TradeArrays.empty()
        return MarketInputs(
            trades=trades,
            book_tops=self._snapshots("tops", _TOPS),
            depth=self._snapshots("depth", _LEVELS),
            open_interest=self._snapshots("interest", ("open_interest",)),
            marks=self._snapshots("marks", _MARKS),
            liquidations=self._snapshots("liquidations", _LIQUIDATIONS, always=True),
        )

    def _snapshots(
        self, stream: str, names: Sequence[str], always: bool = False
    ) -> Snapshots | None:
        rows = self._rows[stream]
        if not rows and not always:
            return None
        times = np.array([time for time, _ in rows], dtype=np.int64)
        values = [_levels_row(row) if isinstance(row, PartialBook) else row for _, row in rows]
        matrix = np.array(values, dtype=np.float64).reshape(len(rows), len(names))
        return Snapshots(times, {name: matrix[:, i] for i, name in enumerate(names)}).sorted()

    def _trim(self, close_ms: int) -> None:
        """Drop what no later bar needs."""
        keep_from = close_ms - self.params.window_ms
        self._trades = [trade for trade in self._trades if trade[0] >= keep_from]
        self._rows["liquidations"] = [r for r in self._rows["liquidations"] if r[0] >= close_ms]
        for stream in ("tops", "depth", "marks", "interest"):
            rows = sorted(self._rows[stream], key=lambda r: r[0])
            before = [r for r in rows if r[0] < close_ms]
            self._rows[stream] = before[-1:] + [r for r in rows if r[0] >= close_ms]


def _levels_row(book: PartialBook) -> Row:
    """A partial book as the store's `depth20` level columns (NaN: no level)."""
    values: dict[str, float] = {}
    for side, levels in (("bid", book.bids), ("ask", book.asks)):
        for i in range(BOOK_LEVELS):
            price, qty = levels[i] if i < len(levels) else (math.nan, math.nan)
            values[f"{side}_price_{i}"], values[f"{side}_qty_{i}"] = price, qty
    return tuple(values[name] for name in _LEVELS)
