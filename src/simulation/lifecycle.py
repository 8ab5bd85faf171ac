"""Starting, stopping and resuming a paper-trading run.

`Lifecycle.start` turns the enabled pairs into books, opens the candle source of the
run's feed kind (`scalplab.data.sources`), builds one `PairRunner` per book — its base
feed and the extra feeds its strategy declares — and starts the driver thread. A run
continues after the close time every book had applied (a restart, a stop), with the
bars seen so far replayed to the strategies as warm-up history.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from scalplab.data.candles import CandleStore
from scalplab.data.features import MarketSource
from scalplab.data.live_feed import QueueFeed
from scalplab.data.live_source import LiveConfig, LiveSource
from scalplab.data.providers.asof import LiveReadings, RunReadings
from scalplab.data.sources import CandleSource, SourceRequest, open_candle_source
from scalplab.errors import ConflictError, InputError, NoDataError
from scalplab.orders.models import book_id
from scalplab.simulation.account import PaperAccount
from scalplab.simulation.driver import Driver, StatusTicker, routes_of
from scalplab.simulation.journal import Journal
from scalplab.simulation.market import live_market, live_streams, replay_market, run_external
from scalplab.simulation.runner import PairRunner, StepExecutor
from scalplab.simulation.stepper import Stepper
from scalplab.simulation.views import FeedSpec, PairSpec
from scalplab.strategies.feeds import stamp_offset_ms
from scalplab.strategies.registry import Registry, StrategyInfo


@dataclass(frozen=True, slots=True)
class _Planned:
    pair: PairSpec
    info: StrategyInfo
    params: dict[str, int | float | bool | str]
    keys: list[tuple[str, str]]
    """The base `(symbol, timeframe)` first, then each declared extra feed's."""


class Lifecycle:
    """Runs of the paper engine: start, stop, the driver and its runners."""

    def __init__(
        self,
        lock: threading.RLock,
        account: PaperAccount,
        journal: Journal,
        stepper: Stepper,
        registry: Registry,
        candles: CandleStore,
        on_status: Callable[[], None],
    ) -> None:
        self.lock = lock
        self.account = account
        self.journal = journal
        self.stepper = stepper
        self.registry = registry
        self.candles = candles
        self.on_status = on_status
        self.live_config: Callable[[FeedSpec], LiveConfig] | None = None
        """Builds a live feed's endpoints and options (set by the engine)."""
        self.live_readings: LiveReadings | None = None
        """The polled provider readings live runs' external layers read (set by the
        server; None: nothing polls in this process)."""
        self.runners: dict[str, PairRunner] = {}
        self.driver: Driver | None = None
        self.source: CandleSource | None = None
        self.stop_event = threading.Event()
        self._finished: set[str] = set()

    def start(self, pairs: list[PairSpec], feed: FeedSpec) -> None:
        """Start (or continue after the books' cursors) the run of `pairs`; the caller
        holds the lock and writes the status."""
        account = self.account
        if account.run.state == "running":
            raise ConflictError("the simulation is already running")
        if not pairs:
            raise InputError("no enabled pairs to simulate: add a pair first")
        plans = [self._plan(pair) for pair in pairs]
        markets = [  # replays read the stores first: a refusal leaves nothing started
            None if feed.kind == "live" else replay_market(
                plan.info, plan.params, plan.pair, feed, self.candles
            )
            for plan in plans
        ]  # fmt: skip
        resume = account.resume_close_ms()
        source = self._open(plans, feed, resume)
        self.stop_event = threading.Event()
        runners: list[PairRunner] = []
        keys: dict[str, list[tuple[str, str]]] = {}
        for plan, stored in zip(plans, markets, strict=True):
            market = (
                live_market(plan.info, plan.params, plan.pair, source)
                if isinstance(source, LiveSource)
                else stored
            )
            external = run_external(plan.info, plan.pair, feed, self.candles, self.live_readings)
            runner = self._runner(plan, source, resume, market, external)
            runners.append(runner)
            keys[runner.book] = plan.keys
        self.source = source
        self.runners = {runner.book: runner for runner in runners}
        self._finished = set()
        run = account.run
        run.state, run.spec, run.finished, run.error = "running", feed, False, None
        ticker = StatusTicker(self.stepper, self.on_status)
        self.driver = Driver(
            source,
            runners,
            routes_of(runners, keys),
            self._stream_failed,
            bursts=self.stepper if feed.kind == "live" else ticker,
            prepare=self._prepare_live(source, plans) if isinstance(source, LiveSource) else None,
        )

    def launch(self) -> None:
        """Start the driver thread (after the caller committed the run's start)."""
        if self.driver is not None:
            self.driver.start()

    def _plan(self, pair: PairSpec) -> _Planned:
        info = self.registry.get(pair.strategy)
        params = info.resolve(dict(pair.params))
        keys = [(pair.symbol, pair.timeframe)]
        keys += [ref.resolve(pair.symbol) for ref in info.feeds]
        return _Planned(pair, info, params, keys)

    def _open(self, plans: list[_Planned], feed: FeedSpec, resume: int | None) -> CandleSource:
        subscriptions: list[tuple[str, str]] = []
        for plan in plans:
            for key in plan.keys:
                if key not in subscriptions:
                    subscriptions.append(key)
        live = None
        if feed.kind == "live":
            if self.live_config is None:
                raise InputError("this engine has no live feed configured")
            live = self.live_config(feed)
            streams, polled = live_streams((p.pair.symbol, p.info.market_data) for p in plans)
            live = replace(live, market_streams=tuple(streams), open_interest=tuple(polled))
        base = [plan.keys[0] for plan in plans]
        request = SourceRequest(
            feed.kind, subscriptions, feed.start_ms, feed.end_ms, feed.speed, resume, live, base
        )
        try:
            return open_candle_source(request, self.candles)
        except NoDataError as exc:
            raise NoDataError(_missing(plans, self.candles) or exc.message) from None

    def _runner(
        self,
        plan: _Planned,
        source: CandleSource,
        resume: int | None,
        market: MarketSource | None = None,
        external: RunReadings | None = None,
    ) -> PairRunner:
        pair = plan.pair
        (symbol, timeframe), *extra_keys = plan.keys
        last_open = source.last_open_ms(symbol, timeframe)
        book = self.account.register(pair, last_open)
        history = source.history(symbol, timeframe)
        base = QueueFeed(history, tf=timeframe, last_open_ms=last_open, stop_event=self.stop_event)
        extras = []
        for extra_symbol, extra_tf in extra_keys:
            follower = QueueFeed(
                source.history(extra_symbol, extra_tf),
                tf=extra_tf,
                last_open_ms=source.last_open_ms(extra_symbol, extra_tf),
                stop_event=self.stop_event,
                stamp_offset_ms=stamp_offset_ms(extra_tf, timeframe),
                leader=base,
            )
            extras.append((f"{extra_symbol}:{extra_tf}", follower))
        executor = StepExecutor(self.stepper, book)
        return PairRunner(executor, plan.info, dict(plan.params), base, extras, market, external)

    def _prepare_live(
        self, source: LiveSource, plans: list[_Planned]
    ) -> Callable[[], Awaitable[None]]:
        """The driver's first step of a live run: connect, warm up, then hand each feed
        its history and final bar and each book its final bar."""

        async def prepare() -> None:
            source.on_mark = self.account.on_mark
            await source.prepare()
            if source.stopped:
                return
            for plan in plans:
                runner = self.runners[book_id(plan.pair.symbol, plan.pair.strategy)]
                for key, feed in zip(plan.keys, runner.feeds, strict=True):
                    feed.set_history(source.history(*key))
                    last = source.last_open_ms(*key)
                    if last is not None:
                        feed.set_last_open_ms(last)
                base_last = source.last_open_ms(*plan.keys[0])
                if base_last is not None:
                    with self.lock:
                        self.account.register(plan.pair, base_last)

        return prepare

    def stop(self) -> None:
        """Stop the driver (the caller must NOT hold the lock: the driver needs it to end)."""
        self.stop_event.set()
        if self.source is not None:
            self.source.stop()
        for runner in list(self.runners.values()):
            runner.feed.request_stop()
        if self.driver is not None:
            self.driver.join(10.0)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run ends; True when it did."""
        driver = self.driver
        if driver is None:
            return True
        driver.join(timeout)
        return not driver.is_alive()

    def runner_done(self, runner: PairRunner) -> None:
        """A runner's Cerebro returned; the last one ends the run."""
        with self.lock:
            run = self.account.run
            if runner.error and run.error is None:
                run.error = runner.error
                self.stop_event.set()
                if self.source is not None:
                    self.source.stop()
                for other in self.runners.values():
                    other.feed.request_stop()
            self._finished.add(runner.book)
            if set(self.runners) - self._finished or run.state != "running":
                return
            run.finished = not self.stop_event.is_set()
            run.state = "stopped"
            with self.journal.change():
                self.on_status()

    def _stream_failed(self, message: str) -> None:
        """The candle stream broke (a bad stored candle, say): the run stops with it."""
        with self.lock:
            if self.account.run.error is None:
                self.account.run.error = message
            self.stop_event.set()


def _missing(plans: list[_Planned], candles: CandleStore) -> str | None:
    """A one-line message naming the first declared feed with no stored candles."""
    for plan in plans:
        for index, (symbol, timeframe) in enumerate(plan.keys):
            try:
                candles.span(symbol, timeframe)
            except NoDataError:
                if index == 0:
                    return f"{symbol} {timeframe} has no stored candles: import or download them"
                return (
                    f"strategy {plan.info.name!r} declares feed {symbol}:{timeframe}, which has "
                    "no stored candles: import or download them"
                )
    return None
