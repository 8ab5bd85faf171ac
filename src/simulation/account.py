"""The paper account: the books of every traded pair, the order pipeline, and their state.

`PaperAccount` wires one sandbox (execution model, simulated venue, risk gate, ATR
window, the `_sim` tables' order queue, the pending-confirmation list and the order
pipeline) and keeps what paper trading adds around it: the pairs being traded (one
book per (symbol, strategy)), the run being played, per-book bar counts and the
snapshot schedule. `state()` / `book_states()` are what the journal writes with every
change; `load()` puts them back after a restart (state written before books existed
is upgraded: its rows were keyed by symbol).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from scalplab.config import Settings
from scalplab.data.market_events import MarkPrice
from scalplab.data.rules import symbol_rules_for
from scalplab.orders import book as book_state
from scalplab.orders.confirming import Confirmations
from scalplab.orders.execution import ExecutionConfig
from scalplab.orders.funding import funding_schedule
from scalplab.orders.gating import restore_pause
from scalplab.orders.halt import HaltSwitch
from scalplab.orders.models import Bar, BookKey, book_id
from scalplab.orders.outcomes import Outcome
from scalplab.orders.pending import PendingConfirmations
from scalplab.orders.queue import OrderQueue
from scalplab.orders.sandbox import open_sandbox
from scalplab.orders.venue import VenueFactory
from scalplab.simulation.repositories import SqlOrderRepository, SqlPendingRepository
from scalplab.simulation.settings_store import SimulationSettings
from scalplab.simulation.store import BookRow, SimStore, StoredState
from scalplab.simulation.views import FeedSpec, PairSpec, Portfolio, portfolio_of


@dataclass(slots=True)
class Run:
    """The current (or last) run: what it plays and how far it got."""

    state: str = "stopped"
    spec: FeedSpec | None = None
    started_ms: int | None = None
    finished: bool = False
    error: str | None = None
    last_open: dict[str, int] = field(default_factory=dict)
    """Final bar of each book's data (a signal there is dropped)."""

    def to_dict(self) -> dict[str, Any]:
        """Persisted form."""
        return {
            "state": self.state,
            "spec": None if self.spec is None else self.spec.to_dict(),
            "started_ms": self.started_ms,
            "finished": self.finished,
            "error": self.error,
            "last_open": dict(self.last_open),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], books: dict[str, str]) -> Run:
        """Inverse of `to_dict` (`books`: legacy symbol keys → book ids)."""
        spec = data.get("spec")
        return cls(
            state=str(data.get("state", "stopped")),
            spec=None if spec is None else FeedSpec.from_dict(spec),
            started_ms=data.get("started_ms"),
            finished=bool(data.get("finished", False)),
            error=data.get("error"),
            last_open={k: int(v) for k, v in rekey(data.get("last_open"), books).items()},
        )


class PaperAccount:
    """The books, the pipeline and the counters of the paper portfolio."""

    def __init__(
        self,
        settings: Settings,
        store: SimStore,
        runtime: SimulationSettings,
        clock: Callable[[], float],
        listener: Callable[[Outcome], None],
        keep_history: bool,
        venue_factory: VenueFactory | None = None,
        halt: HaltSwitch | None = None,
    ) -> None:
        self.config = settings
        self.halt = halt
        self.venue_factory = venue_factory
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.listener = listener
        self.keep_history = keep_history
        self.initial_capital = settings.simulation_initial_capital
        self.queue = OrderQueue(SqlOrderRepository(store))
        self.pending = PendingConfirmations(
            SqlPendingRepository(store), runtime.pending_ttl_seconds, clock=clock, orders=self.queue
        )
        self.fresh()

    # ----- construction ----------------------------------------------------------------

    def fresh(self) -> None:
        """Empty books at the initial capital (a new or reset simulation)."""
        self.confirmations = Confirmations(self.pending, lambda: self.runtime.confirm_orders)
        self.sandbox = open_sandbox(
            ExecutionConfig.from_settings(self.config, self.initial_capital),
            self.runtime.risk,
            self.queue,
            confirmations=self.confirmations,
            clock_ms=lambda: int(self.clock() * 1000),
            listener=self.listener,
            keep_equity=self.keep_history,
            venue_factory=self.venue_factory,
            halt=self.halt,
        )
        self.model = self.sandbox.model
        self.pipeline = self.sandbox.pipeline
        self.pairs: dict[str, PairSpec] = {}
        self.run = Run()
        self.bars: dict[str, int] = {}
        self.candles_processed = 0
        self.version = 0
        self.last_snapshot_ms: int | None = None
        self.last_bar_ms: int | None = None
        self.interrupted = False
        self.marks: dict[str, float] = {}
        """Latest mark price per symbol (a live feed's): open positions are marked at it."""

    def register(self, pair: PairSpec, last_open_ms: int | None) -> str:
        """Add a pair's book (rules, funding, final bar); returns its id."""
        book = book_id(pair.symbol, pair.strategy)
        if not self.model.has_book(book):
            rules, _ = symbol_rules_for(pair.symbol, self.config.data_dir)
            funding = funding_schedule(
                self.config.data_dir,
                pair.symbol,
                self.config.funding_model,
                self.config.default_funding_rate,
            )
            self.model.add_book(BookKey(pair.symbol, pair.strategy), rules, funding, last_open_ms)
        elif last_open_ms is not None:
            self.model.set_last_open(book, last_open_ms)
        if last_open_ms is not None:
            self.run.last_open[book] = last_open_ms
        self.pairs[book] = pair
        self.bars.setdefault(book, 0)
        return book

    def apply_settings(self, runtime: SimulationSettings) -> None:
        """New runtime settings apply to the next order and signal in every check."""
        self.runtime = runtime
        self.pending.ttl_seconds = runtime.pending_ttl_seconds
        self.sandbox.gate.settings = runtime.risk

    # ----- the bar clock -----------------------------------------------------------------

    def bar_applied(self, book: str, bar: Bar) -> bool:
        """Count a bar the books applied; True when a portfolio snapshot is due."""
        self.candles_processed += 1
        self.bars[book] = self.bars.get(book, 0) + 1
        if self.last_bar_ms is None or bar.open_ms > self.last_bar_ms:
            self.last_bar_ms = bar.open_ms
        every_ms = self.config.sim_snapshot_seconds * 1000
        due = self.last_snapshot_ms is None or bar.open_ms - self.last_snapshot_ms >= every_ms
        if due:
            self.last_snapshot_ms = bar.open_ms
            if not self.keep_history:
                # The equity history is the snapshots: memory stays flat on long runs.
                self.model.equity_curve.clear()
        return due

    def portfolio(self, time_ms: int | None) -> Portfolio:
        """The portfolio totals now."""
        return portfolio_of(self.model, self.initial_capital, time_ms, self.marks)

    def on_mark(self, mark: MarkPrice) -> None:
        """A live mark price: positions of its symbol are marked at it, and its funding
        rate is the one its books settle at the next funding time (the driver's thread;
        plain assignments, so readers under the lock see old or new, never half)."""
        self.marks[mark.symbol] = mark.mark_price
        for book in self.model.books():
            state = self.model.book(book)
            if state.key.symbol == mark.symbol:
                state.funding.record(mark.next_funding_time, mark.funding_rate)

    def resume_close_ms(self) -> int | None:
        """Close time up to which every book has applied its bars (None: nothing yet)."""
        closes = [
            bar.open_ms + pair.step_ms
            for book, pair in self.pairs.items()
            if self.model.has_book(book) and (bar := self.model.last_bar(book)) is not None
        ]
        return max(closes) if closes else None

    # ----- persistence -------------------------------------------------------------------

    def state(self) -> StoredState:
        """The global part of the state (each book's part: `book_states`)."""
        return StoredState(
            execution=self.model.state(trades=False, books=False),
            risk={
                "gate": self.sandbox.gate.state(),
                "atr": self.sandbox.atr.state(books=False),
            },
            cursors={},
            run={
                "run": self.run.to_dict(),
                "pairs": [pair.to_dict() for pair in self.pairs.values()],
                "confirmations": self.confirmations.state(),
                "last_snapshot_ms": self.last_snapshot_ms,
                "last_bar_ms": self.last_bar_ms,
            },
            candles_processed=self.candles_processed,
            version=self.version,
        )

    def book_states(self, books: set[str]) -> dict[str, BookRow]:
        """The state rows of these books (model, ATR window, cursor, bar count)."""
        rows = {}
        for book in books:
            if not self.model.has_book(book):
                continue
            bar = self.model.last_bar(book)
            rows[book] = BookRow(
                execution=self.model.book_state(book, trades=False),
                atr=self.sandbox.atr.book_state(book),
                cursor=None if bar is None else bar.open_ms,
                bars=self.bars.get(book, 0),
            )
        return rows

    def load(self) -> None:
        """Continue from the stored state (a fresh account when there is none)."""
        self.fresh()
        stored = self.store.load_state()
        if stored is None:
            return
        run = stored.run
        pairs = [PairSpec.from_dict(data) for data in run.get("pairs", [])]
        legacy = {pair.symbol: book_id(pair.symbol, pair.strategy) for pair in pairs}
        self.run = Run.from_dict(run.get("run", {}), legacy)
        for pair in pairs:
            book = book_id(pair.symbol, pair.strategy)
            self.register(pair, self.run.last_open.get(book))
        execution = _upgraded_books(stored.execution, legacy)
        entries = {k: str(v) for k, v in rekey(run.get("entries"), legacy).items()}
        self._restore_books(execution, entries)
        self._restore_trades()
        if stored.risk.get("gate"):
            self.sandbox.gate.load_state(stored.risk["gate"])
            restore_pause(self.pipeline.halt, self.sandbox.gate)  # a breaker's pause holds
        if stored.risk.get("atr"):
            atr = dict(stored.risk["atr"])
            atr["books"] = rekey(atr.get("books", atr.get("symbols")), legacy)
            self.sandbox.atr.load_state(atr)
        self.confirmations.restore(_waiting(run, legacy))
        self.bars = {k: int(v) for k, v in rekey(run.get("bars"), legacy).items()}
        self.last_snapshot_ms = run.get("last_snapshot_ms")
        self.last_bar_ms = run.get("last_bar_ms")
        self.candles_processed = stored.candles_processed
        self.version = stored.version
        if self.run.state == "running":
            self.run = replace(self.run, state="stopped", error=None)  # until resume()
            self.interrupted = True

    def _restore_books(self, execution: dict[str, Any], entries: dict[str, str]) -> None:
        self.model.cash = float(execution.get("cash", self.initial_capital))
        self.model.fees_paid = float(execution.get("fees_paid", 0.0))
        self.model.bars_seen = int(execution.get("bars_seen", 0))
        for name, data in execution.get("books", {}).items():
            if self.model.has_book(name):
                book_state.load(self.model.book(name), data, entries.get(name))
        self.model.touched.update(self.model.books())

    def _restore_trades(self) -> None:
        """Closed trades are rows of `trades_sim`, not state: put them back, in exit order
        (the loss-streak breaker's memory is in the gate's own state)."""
        for trade in reversed(self.store.trades(limit=None, offset=0)):
            book = book_id(trade.symbol, trade.strategy)
            if self.model.has_book(book):
                self.model.book(book).trades.append(trade)


def rekey(mapping: Any, legacy: dict[str, str]) -> dict[str, Any]:
    """A stored map keyed by book id (state of the release before books was keyed by
    symbol: `legacy` maps each symbol to its pair's book)."""
    if not mapping:
        return {}
    return {legacy.get(str(key), str(key)): value for key, value in dict(mapping).items()}


def _upgraded_books(execution: dict[str, Any], legacy: dict[str, str]) -> dict[str, Any]:
    """Books keyed by book id (state of the release before books was keyed by symbol)."""
    books = execution.get("books")
    if books is None:
        books = execution.get("feeds", {})
    return {**execution, "books": rekey(books, legacy)}


def _waiting(run: dict[str, Any], legacy: dict[str, str]) -> dict[str, Any]:
    if "confirmations" in run:
        return dict(run["confirmations"])
    waiting: dict[str, Any] = {}
    for order_id, plan in dict(run.get("awaiting", {})).items():
        feed = str(plan.get("feed", ""))
        waiting[order_id] = [legacy.get(feed, feed), int(plan.get("signal_ms") or 0)]
    return waiting
