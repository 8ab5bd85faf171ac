"""The stepper: what the pairs' strategies do to the paper books, one step at a time.

It implements the runners' `Steps` and the driver's `Bursts`. A step (a bar and the
strategy's calls on it) holds the engine lock and a unit of the journal from the bar's
arrival to the checkpoint after the strategy ran; a burst holds them for every step of
one close-time group. Bars a book has already applied (warm-up history replayed after
a restart) reach the strategy but not the books.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Literal

from scalplab.orders.commands import ClosePosition, SubmitSignal
from scalplab.orders.executor import END_OF_DATA
from scalplab.orders.models import Bar, Position, Trade
from scalplab.simulation.account import PaperAccount
from scalplab.simulation.journal import Journal
from scalplab.simulation.runner import PairRunner
from scalplab.storage.models_sim import SnapshotSim
from scalplab.strategies.breakers import BreakerInputs
from scalplab.strategies.signal import Signal


class Stepper:
    """Applies strategy steps to the account under the engine lock, inside journal units."""

    def __init__(
        self,
        lock: threading.RLock,
        account: PaperAccount,
        journal: Journal,
        runner_done: Callable[[PairRunner], None],
    ) -> None:
        self.lock = lock
        self.account = account
        self.journal = journal
        self._runner_done = runner_done
        self._steps = 0
        """Steps open on the driver thread (0 or 1; a failed one is closed by its runner)."""

    # ----- bursts (the driver) ---------------------------------------------------------

    def open_burst(self) -> None:
        """A burst begins: hold the lock and one unit for all of its steps."""
        self.lock.acquire()
        try:
            self.journal.begin()
        except BaseException:
            self.lock.release()
            raise

    def close_burst(self) -> None:
        """The burst is over: commit it, publish its events, give the lock back."""
        try:
            self.journal.end()
        finally:
            self.lock.release()

    # ----- steps (the runners) -----------------------------------------------------------

    def begin_bar(self, book: str, bar: Bar, candle_in_ns: int | None) -> bool:
        """Take the lock, open a unit and apply the bar; False when it was applied before."""
        self.lock.acquire()
        try:
            self.journal.begin()
        except BaseException:
            self.lock.release()
            raise
        self._steps += 1
        account = self.account
        last = account.model.last_bar(book)
        if last is not None and bar.open_ms <= last.open_ms:
            return False
        self.journal.candle_in_ns = candle_in_ns
        account.pipeline.on_bar(book, bar)
        if account.bar_applied(book, bar):
            self._snapshot(account, bar.open_ms)
        return True

    def signal(
        self, book: str, bar: Bar, signal: Signal, breakers: BreakerInputs | None = None
    ) -> object:
        """A signal through the order pipeline (with its strategy's breakers, if any)."""
        return self.account.pipeline.submit_signal(SubmitSignal(book, bar, signal, breakers))

    def close_position(self, book: str, reason: Literal["max_hold", "signal"]) -> bool:
        """A max-hold exit through the order pipeline."""
        requested = self.account.pipeline.close_position(ClosePosition(book, reason))
        if requested:
            self.journal.changed()
        return requested

    def bars_held(self, book: str) -> int:
        """Bars the book's position has been held."""
        return self.account.model.bars_held(book)

    def position(self, book: str) -> Position | None:
        """The book's open position."""
        return self.account.model.position(book)

    def closed_trades(self, book: str) -> Sequence[Trade]:
        """The book's closed trades, in exit order (a copy: read under the step's lock)."""
        return tuple(self.account.model.book(book).trades)

    def end_bar(self) -> None:
        """Close the step's unit and give the lock back (no-op when no step is open)."""
        if not self._steps:
            return
        self._steps -= 1
        self.journal.candle_in_ns = None
        try:
            self.journal.end()
        finally:
            self.lock.release()

    def finish(self, book: str, natural: bool) -> None:
        """At the natural end of a book's data its confirmations are withdrawn and what is
        open closes at the last close; a stop leaves the book as it is."""
        if not natural:
            return
        with self.lock, self.journal.change():
            self.account.pipeline.finish(book, END_OF_DATA)

    def runner_done(self, runner: PairRunner) -> None:
        """A runner's Cerebro returned."""
        self._runner_done(runner)

    def _snapshot(self, account: PaperAccount, time_ms: int) -> None:
        portfolio = account.portfolio(time_ms)
        self.journal.add_row(
            SnapshotSim(
                time_ms=time_ms,
                equity=portfolio.equity,
                cash=portfolio.cash,
                unrealised_pnl=portfolio.unrealised_pnl,
                open_positions=portfolio.open_positions,
                data=portfolio.to_dict(),
            )
        )
