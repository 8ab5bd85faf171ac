"""Live streams made whole: nothing lost, nothing doubled, in order.

A WebSocket delivers most of a stream; a reconnect loses what was sent meanwhile,
and may deliver some of it twice. The sequencers below sit between the connection
and everything downstream and hand on each item exactly once, in order:

* `TradeSequencer` — aggregate trades by id: a repeated or older id is dropped; an id
  beyond the next one means trades were missed, and they are fetched (`fetch(from_id)`,
  REST `/fapi/v1/aggTrades?fromId=`) and handed on before it.
* `KlineSequencer` — closed candles by open time: a candle still forming is not handed
  on, a repeated or older one is dropped; a gap means candles were missed, and they are
  fetched (`fetch(start_ms, end_ms)`, REST klines) before the later one is applied.

Their counters (`duplicates`, `backfilled`, `unfilled`) feed the health report. The
fetchers are plain callables (a REST client's methods), so the rules are tested on
real payloads without a network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scalplab.data.market_events import AggregateTrade, KlineUpdate

TradeFetch = Callable[[int], list[AggregateTrade]]
"""Aggregate trades from an id on, oldest first (one page)."""
KlineFetch = Callable[[int, int], list[KlineUpdate]]
"""Closed candles with `start_ms <= open_time <= end_ms`, oldest first (one page)."""


@dataclass(slots=True)
class SequenceCounters:
    """What a sequencer did besides handing items on."""

    duplicates: int = 0
    backfilled: int = 0
    unfilled: int = 0
    """Items known missing that the venue would not give back."""


class TradeSequencer:
    """One symbol's aggregate trades, each id once and in order."""

    def __init__(self, fetch: TradeFetch, last_id: int | None = None) -> None:
        self.fetch = fetch
        self.last_id = last_id
        self.counters = SequenceCounters()

    def on_trade(self, trade: AggregateTrade) -> list[AggregateTrade]:
        """The trades to hand on now: the missed ones (fetched), then `trade`."""
        last = self.last_id
        if last is not None and trade.agg_trade_id <= last:
            self.counters.duplicates += 1
            return []
        missed = [] if last is None else self._missed(last + 1, trade.agg_trade_id)
        self.last_id = trade.agg_trade_id
        return [*missed, trade]

    def _missed(self, first: int, upto: int) -> list[AggregateTrade]:
        missed: list[AggregateTrade] = []
        next_id = first
        while next_id < upto:
            page = [t for t in self.fetch(next_id) if next_id <= t.agg_trade_id < upto]
            if not page:
                break
            missed.extend(page)
            next_id = page[-1].agg_trade_id + 1
        self.counters.backfilled += len(missed)
        self.counters.unfilled += (upto - first) - len(missed)
        return missed


class KlineSequencer:
    """One symbol's closed candles of one interval, each open time once and in order."""

    def __init__(self, interval_ms: int, fetch: KlineFetch, last_open: int | None = None) -> None:
        self.interval_ms = interval_ms
        self.fetch = fetch
        self.last_open = last_open
        self.counters = SequenceCounters()

    def on_kline(self, kline: KlineUpdate) -> list[KlineUpdate]:
        """The closed candles to apply now: the missed ones (fetched), then `kline`."""
        if not kline.closed:
            return []
        last = self.last_open
        if last is not None and kline.open_time <= last:
            self.counters.duplicates += 1
            return []
        step = self.interval_ms
        missed = [] if last is None else self._missed(last + step, kline.open_time - step)
        self.last_open = kline.open_time
        return [*missed, kline]

    def _missed(self, start: int, end: int) -> list[KlineUpdate]:
        missed: list[KlineUpdate] = []
        next_open = start
        while next_open <= end:
            page = [k for k in self.fetch(next_open, end) if next_open <= k.open_time <= end]
            if not page:
                break
            missed.extend(page)
            next_open = page[-1].open_time + self.interval_ms
        self.counters.backfilled += len(missed)
        self.counters.unfilled += max(0, (end - start) // self.interval_ms + 1 - len(missed))
        return missed
