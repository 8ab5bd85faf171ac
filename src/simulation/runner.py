"""One pair's strategy: a Cerebro stepped by the driver, fed live, driving a `SimExecutor`.

`SimExecutor` is what the plugin's base class (`scalplab.strategies.base.Executor`)
calls instead of the execution model: every call is routed to the
`SimulationEngine`, which applies it to the shared `ExecutionModel` under its
lock. A bar and everything the strategy does on it (its signal, a max-hold
exit) form one step: the engine lock is taken when the bar arrives and
released by the checkpoint analyzer, which Backtrader runs right after the
strategy's `next()`/`prenext()`, once the step's state is committed. So a
commit never holds half a bar of another pair, and a restart resumes on a
bar boundary. Bars at or before the feed's last applied bar (the warm-up
history after a restart) reach the strategy's indicators but not the books.
"""

from __future__ import annotations

import contextvars
import logging
from typing import TYPE_CHECKING, Any, Literal

import backtrader as bt
import greenlet

import scalplab.data.btcompat  # noqa: F401  (restores collections.Iterable for Backtrader)
from scalplab.data.live_feed import QueueFeed
from scalplab.errors import ScalpLabError
from scalplab.orders.models import Bar, Position, SignalRecord
from scalplab.strategies.registry import StrategyInfo
from scalplab.strategies.signal import Signal

if TYPE_CHECKING:
    from scalplab.simulation.engine import SimulationEngine

log = logging.getLogger(__name__)

EXACTBARS = 1
"""Cerebro keeps only the bars each line needs (its minimum period), not the whole run:
memory stays flat however long the simulation runs (replay == backtest is tested with it)."""


class SimExecutor:
    """The executor one pair's strategy drives; routes every call to the engine."""

    def __init__(self, engine: SimulationEngine, symbol: str, strategy: str) -> None:
        self.engine = engine
        self.symbol = symbol
        self.strategy = strategy
        self.holding = False
        self.skip = False
        self.feed: QueueFeed | None = None

    def on_bar(self, feed: str, bar: Bar) -> None:
        """A bar closed: applied to the books unless it was applied before."""
        self.engine._step_bar(self, bar)

    def on_signal(self, feed: str, bar: Bar, signal: Signal) -> SignalRecord | None:
        """Gate, risk-check, queue or ask for confirmation."""
        if self.skip:
            return None
        return self.engine._step_signal(self, bar, signal)

    def bars_held(self, feed: str) -> int:
        """Bars the open position has been held (0 during warm-up replays)."""
        if self.skip:
            return 0
        return self.engine.model.bars_held(feed)

    def request_exit(self, feed: str, reason: Literal["max_hold"]) -> bool:
        """Queue a market exit at the next bar's open."""
        if self.skip:
            return False
        return self.engine._request_exit(self, reason)

    def position(self, feed: str) -> Position | None:
        """The open position of this pair."""
        return self.engine.model.position(feed)

    def finish(self, feed: str) -> None:
        """Cerebro stopped: at the natural end of the data the books close the pair."""
        natural = self.feed is not None and not self.feed.stopped
        self.engine._step_finish(self, natural)

    def checkpoint(self) -> None:
        """End of a step: commit what changed and release the engine lock."""
        self.engine._step_commit(self)


class _Checkpoint(bt.Analyzer):  # type: ignore[misc]
    """Runs after the strategy on every bar (warm-up included): commits the step."""

    params = (("executor", None),)

    def prenext(self) -> None:
        self.p.executor.checkpoint()

    def next(self) -> None:
        self.p.executor.checkpoint()


class PairRunner:
    """Runs `info`'s plugin on a `QueueFeed` in Cerebro, as a greenlet of the driver thread.

    `begin()` (on the driver thread) starts Cerebro, which plays the warm-up
    history and hands control back as soon as its feed has no bar; each
    `step()` after a push lets it play the queued bar and hand back again. So
    every pair's strategy runs on one thread, one bar at a time, with no thread
    wake-ups or GIL hand-offs between a candle and its signal.
    """

    def __init__(
        self,
        executor: SimExecutor,
        info: StrategyInfo,
        params: dict[str, Any],
        feed: QueueFeed,
    ) -> None:
        self.executor = executor
        self.info = info
        self.params = params
        self.feed = feed
        self.error: str | None = None
        self._greenlet: greenlet.greenlet | None = None
        self._driver: greenlet.greenlet | None = None
        executor.feed = feed

    @property
    def symbol(self) -> str:
        """The pair this runner trades."""
        return self.executor.symbol

    @property
    def done(self) -> bool:
        """True once its Cerebro has returned (end of data, stop or failure)."""
        return self._greenlet is not None and self._greenlet.dead

    def begin(self) -> None:
        """Start Cerebro on the calling (driver) thread; returns when it waits for a bar."""
        self._driver = greenlet.getcurrent()
        self._greenlet = greenlet.greenlet(self.run)
        self._greenlet.gr_context = contextvars.copy_context()  # the driver's (a request's id)
        self.feed.on_empty = self._driver.switch
        self._greenlet.switch()

    def step(self) -> None:
        """Let Cerebro play what its feed holds; returns when it waits again or has ended."""
        if self._greenlet is not None and not self._greenlet.dead:
            self._greenlet.switch()

    def run(self) -> None:
        cerebro = bt.Cerebro(
            stdstats=False,
            runonce=False,
            preload=False,
            maxcpus=1,
            quicknotify=True,
            exactbars=EXACTBARS,
        )
        cerebro.adddata(self.feed, name=self.executor.symbol)
        cerebro.addstrategy(
            self.info.cls, executor=self.executor, feed_name=self.executor.symbol, **self.params
        )
        cerebro.addanalyzer(_Checkpoint, executor=self.executor)
        try:
            cerebro.run()
        except ScalpLabError as exc:
            self.error = exc.message
        except Exception as exc:
            self.error = f"strategy {self.info.name!r} failed: {type(exc).__name__}: {exc}"
            log.exception("pair runner %s failed", self.executor.symbol)
        finally:
            self.feed.detach()
            self.engine_release()
            self.executor.engine._runner_done(self)

    def engine_release(self) -> None:
        """Release the engine lock if a failed step left it held by this runner."""
        if self.executor.holding:
            self.executor.holding = False
            self.executor.engine._lock.release()
