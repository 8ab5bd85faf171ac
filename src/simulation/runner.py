"""One pair's strategy: a Cerebro stepped by the driver, fed live, driving its book.

`StepExecutor` is what the plugin's base class (`scalplab.strategies.base.Executor`)
calls: every call goes to the engine's `Steps` (the stepper), which applies it to the
order pipeline under the engine lock. A bar and everything the strategy does on it
(its signal, a max-hold exit) form one step: the lock and a unit of work are taken
when the bar arrives and given back by the checkpoint analyzer, which Backtrader runs
right after the strategy's `next()`/`prenext()`. So a commit never holds half a bar
of another pair, and a restart resumes on a bar boundary. Bars at or before the book's
last applied bar (the warm-up history after a restart) reach the strategy's
indicators but not the books.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import backtrader as bt
import greenlet

import scalplab.data.btcompat  # noqa: F401  (restores collections.Iterable for Backtrader)
from scalplab.data.features import MarketSource
from scalplab.data.live_feed import QueueFeed
from scalplab.data.providers.asof import RunReadings
from scalplab.errors import ScalpLabError
from scalplab.orders.models import Bar, Position, Trade
from scalplab.strategies.breakers import BreakerInputs
from scalplab.strategies.registry import StrategyInfo
from scalplab.strategies.signal import Signal

log = logging.getLogger(__name__)

EXACTBARS = 1
"""Cerebro keeps only the bars each line needs (its minimum period), not the whole run:
memory stays flat however long the simulation runs (replay == backtest is tested with it).
A strategy with extra feeds keeps every bar (`exactbars=0`): Backtrader lines up several
live feeds by rewinding one a bar, which its memory-saving buffers cannot do (an
IndexError, measured); such a pair grows by about 1 KB per bar of each of its feeds."""


class Steps(Protocol):
    """What a pair's strategy does to its book, one step at a time (the engine's stepper)."""

    def begin_bar(self, book: str, bar: Bar, candle_in_ns: int | None) -> bool:
        """Take the lock and open a unit; apply the bar. False: it was applied before."""
        ...

    def signal(
        self, book: str, bar: Bar, signal: Signal, breakers: BreakerInputs | None = None
    ) -> object:
        """A signal on the close of `bar` (with its strategy's breakers, if any)."""
        ...

    def close_position(self, book: str, reason: Literal["max_hold", "signal"]) -> bool:
        """Close the book's position at the next bar's open."""
        ...

    def bars_held(self, book: str) -> int:
        """Bars the book's position has been held."""
        ...

    def position(self, book: str) -> Position | None:
        """The book's open position."""
        ...

    def closed_trades(self, book: str) -> Sequence[Trade]:
        """The book's closed trades, in exit order."""
        ...

    def end_bar(self) -> None:
        """Close the step's unit (commit) and give the lock back."""
        ...

    def finish(self, book: str, natural: bool) -> None:
        """The book's feed ended (`natural`: its data ended, not a stop)."""
        ...

    def runner_done(self, runner: PairRunner) -> None:
        """The runner's Cerebro returned (end, stop or failure)."""
        ...


class StepExecutor:
    """The executor one book's strategy drives; routes every call to the stepper."""

    def __init__(self, steps: Steps, book: str) -> None:
        self.steps = steps
        self.book = book
        self.holding = False
        self.applied = False
        self.feed: QueueFeed | None = None

    def on_bar(self, bar: Bar) -> None:
        """A bar closed: applied to the books unless it is warm-up history or was applied
        before."""
        feed = self.feed
        history_until = None if feed is None else feed.history_until_ms
        if history_until is not None and bar.open_ms <= history_until:
            self.applied = False  # warm-up: the indicators see it, the books never do
            return
        ingress = None if feed is None else feed.last_ingress_ns
        self.holding = True
        self.applied = self.steps.begin_bar(self.book, bar, ingress)

    def on_signal(self, bar: Bar, signal: Signal, breakers: BreakerInputs | None = None) -> object:
        """Checks, sizing, risk gate (with the strategy's breakers), queue, confirmation."""
        return self.steps.signal(self.book, bar, signal, breakers) if self.applied else None

    def bars_held(self) -> int:
        """Bars the open position has been held (0 on warm-up history)."""
        return self.steps.bars_held(self.book) if self.applied else 0

    def request_exit(self, reason: Literal["max_hold", "signal"]) -> bool:
        """Close the position at the next bar's open."""
        return self.steps.close_position(self.book, reason) if self.applied else False

    def position(self) -> Position | None:
        """The book's open position."""
        return self.steps.position(self.book)

    def closed_trades(self) -> Sequence[Trade]:
        """The book's closed trades (its paper record; none on warm-up history)."""
        return self.steps.closed_trades(self.book) if self.applied else ()

    def finish(self) -> None:
        """Cerebro stopped: at the natural end of the data the books close the book."""
        natural = self.feed is not None and not self.feed.stopped
        self.steps.finish(self.book, natural)

    def checkpoint(self) -> None:
        """End of a step: commit what changed and give the lock back."""
        if self.holding:
            self.holding = False
            self.steps.end_bar()


class _Checkpoint(bt.Analyzer):  # type: ignore[misc]
    """Runs after the strategy on every step (warm-up included): ends the step."""

    params = (("executor", None),)

    def prenext(self) -> None:
        self.p.executor.checkpoint()

    def next(self) -> None:
        self.p.executor.checkpoint()


class PairRunner:
    """Runs `info`'s plugin on live feeds in Cerebro, as a greenlet of the driver thread.

    `begin()` (on the driver thread) starts Cerebro, which plays the warm-up history and
    hands control back as soon as its base feed has no bar; each `step()` after a push
    lets it play what was queued and hand back again. `extras` are the plugin's declared
    feeds (followers of the base feed: they never wait).
    """

    def __init__(
        self,
        executor: StepExecutor,
        info: StrategyInfo,
        params: dict[str, Any],
        feed: QueueFeed,
        extras: list[tuple[str, QueueFeed]] | None = None,
        market: MarketSource | None = None,
        external: RunReadings | None = None,
    ) -> None:
        self.executor = executor
        self.market = market
        """The plugin's declared market data (`self.market`), when it declares some."""
        self.external = external
        """The provider readings of a plugin that declares `external_layers`."""
        self.info = info
        self.params = params
        self.feed = feed
        self.extras = list(extras or [])
        self.error: str | None = None
        self._greenlet: greenlet.greenlet | None = None
        executor.feed = feed

    @property
    def book(self) -> str:
        """The book this runner trades."""
        return self.executor.book

    @property
    def feeds(self) -> list[QueueFeed]:
        """The base feed and the extra feeds."""
        return [self.feed, *(feed for _, feed in self.extras)]

    @property
    def started(self) -> bool:
        """True once `begin()` started its Cerebro."""
        return self._greenlet is not None

    @property
    def done(self) -> bool:
        """True once its Cerebro has returned (end of data, stop or failure)."""
        return self._greenlet is not None and self._greenlet.dead

    def begin(self) -> None:
        """Start Cerebro on the calling (driver) thread; returns when it waits for a bar."""
        driver = greenlet.getcurrent()
        self._greenlet = greenlet.greenlet(self.run)
        self._greenlet.gr_context = contextvars.copy_context()  # the driver's (a request's id)
        self.feed.on_empty = driver.switch
        self._greenlet.switch()

    def step(self) -> None:
        """Let Cerebro play what its feeds hold; returns when it waits again or has ended."""
        if self._greenlet is not None and not self._greenlet.dead:
            self._greenlet.switch()

    def run(self) -> None:
        cerebro = bt.Cerebro(
            stdstats=False,
            runonce=False,
            preload=False,
            maxcpus=1,
            quicknotify=True,
            exactbars=0 if self.extras else EXACTBARS,
        )
        cerebro.adddata(self.feed, name=self.book)
        for name, extra in self.extras:
            cerebro.adddata(extra, name=name)
        cerebro.addstrategy(
            self.info.cls,
            executor=self.executor,
            market=self.market,
            external=self.external,
            **self.params,
        )
        cerebro.addanalyzer(_Checkpoint, executor=self.executor)
        try:
            cerebro.run()
        except ScalpLabError as exc:
            self.error = exc.message
        except Exception as exc:
            self.error = f"strategy {self.info.name!r} failed: {type(exc).__name__}: {exc}"
            log.exception("pair runner %s failed", self.book)
        finally:
            for feed in self.feeds:
                feed.detach()
            self.executor.checkpoint()  # a failed step still ends (and gives the lock back)
            self.executor.steps.runner_done(self)
