"""`LiveSource`: Binance's live 1m klines as a candle source for paper trading.

The `live` feed kind of the candle-source port (`scalplab.data.sources`). It subscribes
`{symbol}@kline_1m` for every symbol of its subscriptions (and `markPrice@1s`, whose
mark prices and funding rates go to `on_mark`; `bookTicker` too with `book_tops`; and
the `market_streams` the plugins' declared market data needs, with open interest
polled over REST) through the `StreamManager` (routes, reconnects with backoff,
freshness watchdog). Every market event is also handed to each of `listeners` (the
plugins' per-bar feature builders), on the event loop.

`prepare()` (awaited on the driver's loop before any strategy starts) waits for the
first kline of every symbol, then warms up from REST `/fapi/v1/klines`: the 1m candles
strictly before that first live candle, enough for `warmup_bars` bars of each
subscribed timeframe (none if the venue returns none). Warm-up bars are history: the
feeds play them to the indicators, the books never see them.

From then on each symbol's 1m klines go through a `KlineSequencer`: a candle still
forming is ignored, a repeated one is dropped, and a gap (a reconnect lost some) is
fetched over REST before the later candle is applied. Closed 1m candles become bars
of every subscribed timeframe through a `BarBuilder` (the candle store's resampling
rules: a higher-timeframe bar closes with its last 1m candle). With `candles=N` the
stream ends once N closed 1m candles of the first subscription's symbol have been
applied — its last bar is known up front (`last_open_ms`), as a backtest knows its
final bar — and the buckets in progress close with what they have.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace

import pandas as pd

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import parse_klines
from scalplab.data.adapters.binance.websocket import ConnectionOptions, StreamManager
from scalplab.data.bar_builder import BarBuilder, bars_from_minutes
from scalplab.data.bars import Bar
from scalplab.data.book_keeper import OrderBookKeeper
from scalplab.data.live_health import LiveFeedHealth, feed_health
from scalplab.data.market_events import BookTop, KlineUpdate, MarketEvent, MarkPrice
from scalplab.data.open_interest import OpenInterestPoller
from scalplab.data.sequencing import KlineSequencer
from scalplab.data.stream import CandleEvent
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import MINUTE_MS, timeframe_ms
from scalplab.errors import DataError, InputError, ScalpLabError, TemporaryError

log = logging.getLogger(__name__)

KLINES_PAGE = 1500
SETTLE_TURNS = 3
"""Event-loop turns `settle()` gives the connections before a burst is committed."""
CLOCK_WARN_MS = 5_000
"""A local clock this far from Binance's event times is logged (once)."""
WAIT_SLICE_S = 0.25
"""Longest single wait, so a stop request from another thread is noticed quickly."""

MarkHandler = Callable[[MarkPrice], None]


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """Where the live feed connects and how it starts and ends."""

    ws_url: str
    rest: BinanceRestClient
    warmup_bars: int = 300
    candles: int | None = None
    """End after this many closed 1m candles of the pair (None: run until stopped)."""
    first_kline_timeout_s: float = 30.0
    book_tops: bool = False
    keep_minutes: bool = False
    """Keep every 1m candle played (warm-up included) for `minutes()`."""
    order_books: bool = False
    """Keep a local order book per symbol from diff depth (`OrderBookKeeper`)."""
    options: ConnectionOptions | None = None
    market_streams: tuple[str, ...] = ()
    """Further streams (`btcusdt@aggTrade`, …) whose events go to the listeners."""
    open_interest: tuple[str, ...] = ()
    """Symbols whose open interest is polled over REST for the listeners."""


class LiveSource:
    """Closed candles of live Binance 1m klines (see the module docstring)."""

    def __init__(
        self,
        subscriptions: Sequence[tuple[str, str]],
        config: LiveConfig,
        on_mark: MarkHandler | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        if not subscriptions:
            raise InputError("a live feed needs at least one (symbol, timeframe) subscription")
        if config.candles is not None and config.candles < 1:
            raise InputError(f"--candles must be at least 1, not {config.candles}")
        if config.warmup_bars < 0:
            raise InputError(f"warm-up bars must be 0 or more, not {config.warmup_bars}")
        self.subscriptions = [(normalize_symbol(s), tf) for s, tf in subscriptions]
        for _, tf in self.subscriptions:
            timeframe_ms(tf)
        self.config = config
        self.on_mark = on_mark
        self.symbols = list(dict.fromkeys(symbol for symbol, _ in self.subscriptions))
        self.pair = self.symbols[0]
        self._stop = stop_event if stop_event is not None else threading.Event()
        self._builders = {key: BarBuilder(key[1]) for key in self.subscriptions}
        self._sequencers = {
            s: KlineSequencer(MINUTE_MS, self._fetcher(s), last_open=None) for s in self.symbols
        }
        self._first_open: dict[str, int] = {}
        self._history: dict[tuple[str, str], list[Bar]] = {}
        self._inbox: list[KlineUpdate] = []
        self._queue: deque[CandleEvent] = deque()
        self._minutes: dict[str, list[KlineUpdate]] = {s: [] for s in self.symbols}
        self._prepared = False
        self._ended = False
        self._applied = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.clock_offset_ms: int | None = None
        """Local clock minus the exchange's event time of the latest kline (delivery delay
        plus clock difference); far from 0, the machine's clock is off and it is logged."""
        self._skew_logged = False
        self.last_price: dict[str, float] = {}
        self.book_top: dict[str, BookTop] = {}
        self.marks: dict[str, MarkPrice] = {}
        streams = [f"{s.lower()}@kline_1m" for s in self.symbols]
        streams += [f"{s.lower()}@markPrice@1s" for s in self.symbols]
        if config.book_tops:
            streams += [f"{s.lower()}@bookTicker" for s in self.symbols]
        streams += [stream for stream in config.market_streams if stream not in streams]
        self.listeners: list[Callable[[MarketEvent], None]] = []
        self.poller = (
            OpenInterestPoller(config.rest, config.open_interest, self._on_listened)
            if config.open_interest
            else None
        )
        self._poller_task: asyncio.Task[None] | None = None
        self.manager = StreamManager(config.ws_url, streams, self._on_event, options=config.options)
        self.keeper = (
            OrderBookKeeper(config.ws_url, self.symbols, config.rest, options=config.options)
            if config.order_books
            else None
        )
        self._keeper_task: asyncio.Task[None] | None = None

    # ----- what is known up front (after prepare) -------------------------------------

    def last_open_ms(self, symbol: str, timeframe: str) -> int | None:
        """Open time of the run's final bar of `symbol`/`timeframe` (None: open-ended)."""
        last = self.last_minute_ms
        if last is None:
            return None
        step = timeframe_ms(timeframe)
        return last - last % step

    @property
    def last_minute_ms(self) -> int | None:
        """Open time of the final 1m candle of a run of `candles` (None: open-ended)."""
        first = self._first_open.get(self.pair)
        if self.config.candles is None or first is None:
            return None
        return first + (self.config.candles - 1) * MINUTE_MS

    def history(self, symbol: str, timeframe: str) -> list[Bar]:
        """The warm-up bars of a subscription (complete bars before the first live one)."""
        return list(self._history.get((normalize_symbol(symbol), timeframe), []))

    def bars_until(self, symbol: str, timeframe: str, close_ms: int) -> list[Bar]:
        """The warm-up bars (a live feed cannot replay what it already played)."""
        return [b for b in self.history(symbol, timeframe) if b.open_ms < close_ms]

    def first_live_open_ms(self, symbol: str, timeframe: str) -> int | None:
        """Open time of the first bar the run trades (its bucket holds the first live 1m)."""
        first = self._first_open.get(normalize_symbol(symbol))
        if first is None:
            return None
        return first - first % timeframe_ms(timeframe)

    def minutes(self, symbol: str) -> list[KlineUpdate]:
        """Every 1m candle played for `symbol`, warm-up first (with `keep_minutes`)."""
        return list(self._minutes.get(normalize_symbol(symbol), []))

    @property
    def applied(self) -> int:
        """Closed 1m candles of the pair applied so far (warm-up not counted)."""
        return self._applied

    def health(self) -> LiveFeedHealth:
        """Connection, streams and sequencing counters, for `/status/health`."""
        health = feed_health(
            self.manager, list(self._sequencers.values()), self._prepared, self.clock_offset_ms
        )
        if self.keeper is None:
            return health
        return replace(health, book_resyncs=self.keeper.health().book_resyncs)

    def best_bid_ask(self, symbol: str) -> tuple[float, float] | None:
        """Best bid and ask: the local order book's when kept and in sync, else the last
        book top (`bookTicker`), else None."""
        name = normalize_symbol(symbol)
        if self.keeper is not None:
            top = self.keeper.top(name)
            if top is not None:
                return top.bid, top.ask
        ticker = self.book_top.get(name)
        return None if ticker is None else (ticker.bid, ticker.ask)

    # ----- lifecycle ------------------------------------------------------------------

    async def prepare(self) -> None:
        """Connect, wait for each symbol's first kline, fetch the warm-up; raises a
        `TemporaryError` when Binance sends nothing in time."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self.manager.run())
        if self.keeper is not None:
            self._keeper_task = asyncio.create_task(self.keeper.run())
        if self.poller is not None:
            self._poller_task = asyncio.create_task(self.poller.run())
        deadline = time.monotonic() + self.config.first_kline_timeout_s
        while set(self._first_open) != set(self.symbols):
            if self._stop.is_set():
                return
            if self._task.done():
                self._task.result()
                raise TemporaryError("the Binance stream ended before its first kline")
            if time.monotonic() >= deadline:
                self.manager.stop()
                raise TemporaryError(self._silence())
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), WAIT_SLICE_S)
        for symbol in self.symbols:
            self._warm_up(symbol)
        self._prepared = True
        inbox, self._inbox = self._inbox, []
        for kline in inbox:
            self._apply(kline)

    def _silence(self) -> str:
        health = self.health()
        missing = [s for s in self.symbols if s not in self._first_open]
        if not health.connected and health.failures:
            return (
                f"Binance is unreachable at {self.config.ws_url} "
                f"({health.failures} failed connection attempts): the live feed did not start"
            )
        return (
            f"no kline of {', '.join(missing)} from {self.config.ws_url} within "
            f"{self.config.first_kline_timeout_s:g} s: the live feed did not start"
        )

    def _warm_up(self, symbol: str) -> None:
        first = self._first_open[symbol]
        spans = [
            timeframe_ms(tf) * self.config.warmup_bars + first % timeframe_ms(tf)
            for s, tf in self.subscriptions
            if s == symbol
        ]
        span = max(spans)
        minutes = self._fetch(symbol, first - span, first - MINUTE_MS) if span else []
        sequencer = self._sequencers[symbol]
        if minutes:
            sequencer.last_open = minutes[-1].open_time
        if self.config.keep_minutes:
            self._minutes[symbol].extend(minutes)
        bars = [_bar(k) for k in minutes]
        for (s, tf), builder in self._builders.items():
            if s != symbol:
                continue
            live_bucket = first - first % timeframe_ms(tf)
            self._history[(s, tf)] = [
                b for b in bars_from_minutes([b for b in bars if b.open_ms < live_bucket], tf)
            ]
            for piece in (b for b in bars if b.open_ms >= live_bucket):
                builder.add(piece)

    def _fetch(self, symbol: str, start_ms: int, end_ms: int) -> list[KlineUpdate]:
        """Closed 1m candles with `start_ms <= open_time <= end_ms`, every page."""
        out: list[KlineUpdate] = []
        next_open = start_ms
        while next_open <= end_ms:
            rows = self.config.rest.klines(symbol, "1m", next_open, end_ms, KLINES_PAGE)
            page = [k for k in parse_klines(symbol, "1m", rows) if next_open <= k.open_time]
            page = [k for k in page if k.open_time <= end_ms]
            if not page:
                break
            out.extend(page)
            next_open = page[-1].open_time + MINUTE_MS
        return out

    def _fetcher(self, symbol: str) -> Callable[[int, int], list[KlineUpdate]]:
        return lambda start, end: self._fetch(symbol, start, end)

    def ready(self) -> bool:
        """True when a candle is queued."""
        return bool(self._queue) and not self._stop.is_set()

    async def settle(self) -> bool:
        """Let the connections hand over what their sockets already hold (a few turns of
        the loop, no waiting on the network); True when that queued a candle. Candles
        Binance closes together arrive as a run of frames: taken as one burst they are
        committed once, instead of once each."""
        for _ in range(SETTLE_TURNS):
            if self._queue or self._stop.is_set():
                break
            await asyncio.sleep(0)
        return self.ready()

    def stop(self) -> None:
        """End the stream soon; safe from any thread."""
        self._stop.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._wake_up)

    def _wake_up(self) -> None:
        self.manager.stop()
        if self.poller is not None:
            self.poller.stop()
        if self.keeper is not None:
            self.keeper.stop()
        if self._wake is not None:
            self._wake.set()

    @property
    def stopped(self) -> bool:
        """True once `stop()` was called (or the shared stop event is set)."""
        return self._stop.is_set()

    # ----- iteration ------------------------------------------------------------------

    def __aiter__(self) -> LiveSource:
        return self

    async def __anext__(self) -> CandleEvent:
        if not self._prepared:
            await self.prepare()
        assert self._wake is not None and self._task is not None
        while True:
            if self._stop.is_set():
                await self._close()
                raise StopAsyncIteration
            if self._queue:
                return self._queue.popleft()
            if self._ended:
                await self._close()
                raise StopAsyncIteration
            if self._task.done():
                await self._close()
                raise DataError("the Binance stream ended unexpectedly")
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), WAIT_SLICE_S)

    async def aclose(self) -> None:
        """End the stream (the async-iterator way to stop it)."""
        self._stop.set()
        await self._close()

    async def _close(self) -> None:
        self.manager.stop()
        if self.keeper is not None:
            self.keeper.stop()
        if self.poller is not None:
            self.poller.stop()
        for task in (self._task, self._keeper_task, self._poller_task):
            if task is not None and not task.done():
                try:
                    await asyncio.wait_for(task, 10.0)
                except (TimeoutError, ScalpLabError):
                    log.warning("the Binance stream did not close in time")

    # ----- events ---------------------------------------------------------------------

    def _on_listened(self, event: MarketEvent) -> None:
        for listener in self.listeners:
            listener(event)

    def _on_event(self, _stream: str, event: MarketEvent) -> None:
        if self.listeners and not isinstance(event, KlineUpdate):
            self._on_listened(event)
        if isinstance(event, KlineUpdate):
            self.last_price[event.symbol] = event.close
            self._check_clock(event.event_time)
            if event.symbol not in self._first_open:
                self._first_open[event.symbol] = event.open_time
            if self._prepared:
                self._apply(event)
            else:
                self._inbox.append(event)
        elif isinstance(event, MarkPrice):
            self.marks[event.symbol] = event
            if self.on_mark is not None:
                self.on_mark(event)
        elif isinstance(event, BookTop):
            self.book_top[event.symbol] = event
        if self._wake is not None:
            self._wake.set()

    def _check_clock(self, event_ms: int) -> None:
        offset = int(time.time() * 1000) - event_ms
        self.clock_offset_ms = offset
        if abs(offset) > CLOCK_WARN_MS and not self._skew_logged:
            self._skew_logged = True
            log.warning(
                "this machine's clock is %.1f s %s Binance's event times: check NTP "
                "(candles are timed by Binance's open times, so trading is unaffected)",
                abs(offset) / 1000,
                "ahead of" if offset > 0 else "behind",
                extra={"clock_offset_ms": offset},
            )

    def _apply(self, kline: KlineUpdate) -> None:
        if self._ended:
            return
        received = time.time_ns()
        for closed in self._sequencers[kline.symbol].on_kline(kline):
            if self.config.keep_minutes:
                self._minutes[closed.symbol].append(closed)
            minute = _bar(closed)
            for (symbol, tf), builder in self._builders.items():
                if symbol == closed.symbol:
                    for bar in builder.add(minute):
                        self._queue.append(CandleEvent(symbol, tf, bar, received_ns=received))
            if closed.symbol == self.pair:
                self._applied += 1
                last = self.last_minute_ms
                if last is not None and closed.open_time >= last:
                    self._end(received)
                    return

    def _end(self, received: int) -> None:
        self._ended = True
        for (symbol, tf), builder in self._builders.items():
            bar = builder.flush()
            if bar is not None:
                self._queue.append(CandleEvent(symbol, tf, bar, received_ns=received))
        self.manager.stop()


def _bar(kline: KlineUpdate) -> Bar:
    return Bar(kline.open_time, kline.open, kline.high, kline.low, kline.close, kline.volume)


KLINE_COLUMNS = (
    "open_time", "open", "high", "low", "close", "volume", "quote_volume", "trades",
    "taker_buy_volume", "taker_buy_quote_volume",
)  # fmt: skip
"""Candle-store columns of a kline, as `KlineUpdate` names them."""


def kline_frame(klines: Sequence[KlineUpdate]) -> pd.DataFrame:
    """Closed klines as a candle-store frame (for `CandleStore.merge`)."""
    return pd.DataFrame({c: [getattr(k, c) for k in klines] for c in KLINE_COLUMNS})
