"""`SimulationEngine`: the paper-trading engine's facade.

Paper trading is the backtest's order pipeline (`scalplab.orders.pipeline`) on the
`_sim` tables, fed live. The engine composes its collaborators and exposes what the
application services call:

- the account (`account.PaperAccount`): books, pipeline, counters and their state;
- the journal (`journal.Journal`): units of work over the `_sim` tables and the outbox
  of stream events, published after each commit;
- the stepper (`stepper.Stepper`): the strategies' steps and the driver's bursts;
- the lifecycle (`lifecycle.Lifecycle`): runs — the candle source, runners, driver;
- the read model (`queries.ReadModel`): portfolio, positions, signals, trades, orders.

Replay decisions use the bar clock; the pending TTL uses the wall clock (`clock`,
injectable for tests). A new engine over the same database resumes the books, orders
and pending confirmations, and `resume()` continues a run that was interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy import select

from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.exchange import EXCHANGE
from scalplab.data.live_source import LiveSource
from scalplab.data.replay import ReplaySource
from scalplab.data.symbols import normalize_symbol
from scalplab.errors import ConflictError, NotFoundError, ScalpLabError
from scalplab.orders.cancelling import cancel_working_order
from scalplab.orders.commands import (
    ClosePosition,
    ConfirmOrder,
    ExpireConfirmations,
    RejectOrder,
    SubmitOrder,
)
from scalplab.orders.halt import HaltSwitch
from scalplab.orders.models import book_id
from scalplab.orders.outcomes import Outcome
from scalplab.orders.pipeline import BreakerBlockedError
from scalplab.orders.types import Order, OrderRequest
from scalplab.simulation.account import PaperAccount
from scalplab.simulation.events import EventHub, EventSubscription
from scalplab.simulation.journal import Journal
from scalplab.simulation.lifecycle import Lifecycle
from scalplab.simulation.live import FeedHealth, live_config, live_pair_status
from scalplab.simulation.live_trading import LiveTrading
from scalplab.simulation.queries import ReadModel
from scalplab.simulation.recorder import OutcomeRecorder
from scalplab.simulation.replay_controls import ReplayControls
from scalplab.simulation.runner import PairRunner, StepExecutor
from scalplab.simulation.settings_store import SettingsStore, SimulationSettings, apply_patch
from scalplab.simulation.stepper import Stepper
from scalplab.simulation.store import SimStore
from scalplab.simulation.views import EngineStatus, FeedSpec, PairSpec, PairStatus, PositionClosed
from scalplab.storage.db import Database
from scalplab.storage.models import Pair
from scalplab.strategies.registry import Registry
from scalplab.timeutil import iso_ms

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 0.25
"""How often (s) expired confirmations are cancelled."""
IDLE_FLUSH_S = 2.0
"""How often (s) bars applied without any other change (their cursors) are written. Each
write holds the engine lock for a few ms, so it is rare enough that a candle seldom
waits behind it (measured: at 0.25 s it set the live path's p99); a crash loses at most
this much of progress, which the restart replays as warm-up."""


class SimulationEngine:
    """The paper-trading engine (thread-safe; see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        registry: Registry,
        clock: Callable[[], float] = time.time,
        pairs: Sequence[PairSpec] | None = None,
        keep_history: bool = False,
        live: LiveTrading | None = None,
        ledger: Database | None = None,
        halt: HaltSwitch | None = None,
    ) -> None:
        self.config = settings
        self.live = live
        self.database = database
        self.registry = registry
        self.clock = clock
        self.hub = EventHub()
        self.store = SimStore(ledger or database)
        self.settings_store = SettingsStore(database, settings)
        self.lock = threading.RLock()
        self._fixed_pairs = list(pairs) if pairs is not None else None
        self.account = PaperAccount(
            settings,
            self.store,
            self.settings_store.load(),
            clock,
            self._record,
            keep_history,
            venue_factory=None if live is None else live.make_venue,
            halt=halt,
        )
        if live is not None:
            live.bind(self._apply_venue)
        self.read = ReadModel(self.account, self.store, self.lock)
        self.journal = Journal(
            self.store,
            self.hub,
            OutcomeRecorder(self.store, clock),
            self.account,
            self.read.committed,
        )
        self.stepper = Stepper(self.lock, self.account, self.journal, self._runner_done)
        self.lifecycle = Lifecycle(
            self.lock,
            self.account,
            self.journal,
            self.stepper,
            registry,
            CandleStore(settings.data_dir, EXCHANGE),
            self._publish_status,
        )
        self.lifecycle.live_config = lambda feed: live_config(
            settings, feed, keep_minutes=keep_history
        )
        self.replay = ReplayControls(
            self.lock, self.account, self.lifecycle, self.journal, self._publish_status, self.status
        )
        """Pause, resume, step and speed of the running replay."""
        with self.lock:
            self.account.load()
            self.read.refresh()
            self.read.recent.load()
        self._closed = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="sim-sweeper", daemon=True)
        self._sweeper.start()

    def _record(self, outcome: Outcome) -> None:
        self.journal.record(outcome)

    def _apply_venue(self, change: Callable[[], None]) -> None:
        """Apply what the live venue learnt from Binance as one unit of the journal."""
        with self.lock, self.journal.change():
            change()

    def _runner_done(self, runner: PairRunner) -> None:
        self.lifecycle.runner_done(runner)

    def _publish_status(self) -> None:
        self.journal.publish("status", self.status())

    # ----- lifecycle -------------------------------------------------------------------------

    def _enabled_pairs(self) -> list[PairSpec]:
        if self._fixed_pairs is not None:
            pairs = self._fixed_pairs
        else:
            with self.database.session() as session:
                rows = session.scalars(select(Pair).where(Pair.enabled.is_(True)).order_by(Pair.id))
                pairs = [PairSpec(p.symbol, p.strategy, p.timeframe, dict(p.params)) for p in rows]
        return [
            PairSpec(normalize_symbol(p.symbol), p.strategy, p.timeframe, dict(p.params))
            for p in pairs
        ]

    def start(self, feed: FeedSpec | None = None) -> EngineStatus:
        """Start (or continue after the books' cursors) the run of every enabled pair."""
        with self.lock:
            spec = feed or self.account.run.spec or self._default_feed()
            pairs = self._enabled_pairs()
            if self.live is not None:
                self._start_live(pairs, spec)
            try:
                with self.journal.change():
                    self.lifecycle.start(pairs, spec)
                    self.account.run.started_ms = int(self.clock() * 1000)
                    self._publish_status()
            except ScalpLabError:
                if self.live is not None:
                    self.live.stop()
                raise
            self.lifecycle.launch()
            return self.status()

    def _start_live(self, pairs: list[PairSpec], spec: FeedSpec) -> None:
        """Live trading: the Binance session starts before the first candle."""
        assert self.live is not None
        if spec.kind != "live":
            raise ConflictError(
                "live trading runs on Binance's live stream only: a replay is paper trading "
                "(set TRADING_MODE=simulation to replay)"
            )
        if self.account.run.state == "running":
            raise ConflictError("the simulation is already running")
        with self.journal.change():
            books = {self.account.register(pair, None): pair.symbol for pair in pairs}
        self.live.start(books)

    def _default_feed(self) -> FeedSpec:
        """The feed of a first start that names none (`SIMULATION_FEED`)."""
        if self.config.simulation_feed == "live":
            return FeedSpec(kind="live")
        return FeedSpec(speed=self.account.runtime.replay_speed)

    def attach(self, pair: PairSpec, last_open_ms: int | None = None) -> StepExecutor:
        """Register a pair and return the executor that drives its book by hand (a test, a
        candle source outside the driver): `on_bar`, maybe `on_signal`, then
        `checkpoint()` per closed bar, exactly as a strategy does."""
        with self.lock:
            self.registry.get(pair.strategy)
            spec = PairSpec(
                normalize_symbol(pair.symbol), pair.strategy, pair.timeframe, dict(pair.params)
            )
            with self.journal.change():
                book = self.account.register(spec, last_open_ms)
            return StepExecutor(self.stepper, book)

    def resume(self) -> EngineStatus:
        """Continue a run a previous process left running (after a crash or restart)."""
        if self.account.interrupted:
            self.account.interrupted = False
            return self.start(self.account.run.spec)
        return self.status()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run ends; True when it did."""
        return self.lifecycle.wait(timeout)

    def stop(self) -> EngineStatus:
        """Stop the run; positions, orders and confirmations stay as they are."""
        with self.lock:
            if self.account.run.state != "running":
                return self.status()
        self.lifecycle.stop()
        if self.live is not None:
            self.live.stop()
        with self.lock:
            if self.account.run.state == "running":
                self.account.run.state = "stopped"
                with self.journal.change():
                    self._publish_status()
            return self.status()

    def reset(self) -> EngineStatus:
        """Stop, then wipe every `_sim` table and start over with the initial capital."""
        if self.live is not None:
            raise ConflictError(
                "live trading keeps Binance's record of orders and trades: its ledger is never "
                "reset"
            )
        self.stop()
        with self.lock:
            self.store.reset()
            self.read.recent.clear()
            self.account.fresh()
            self.lifecycle.runners = {}
            self.lifecycle.source = None  # nothing played: no replay progress
            with self.journal.change():
                self._publish_status()
            return self.status()

    def close(self) -> None:
        """Stop the run and the background sweeper (the engine is unusable afterwards)."""
        self.stop()
        self._closed.set()
        self._sweeper.join(5.0)
        with self.lock:
            self.journal.flush()

    def _sweep(self) -> None:
        flushed = time.monotonic()
        while not self._closed.wait(SWEEP_INTERVAL):
            try:
                self.expire_due()
                if time.monotonic() - flushed >= IDLE_FLUSH_S:
                    flushed = time.monotonic()
                    with self.lock:
                        self.journal.flush()
            except ScalpLabError as exc:
                log.warning("simulation sweep failed: %s", exc.message)

    # ----- status ------------------------------------------------------------------------------

    def status(self) -> EngineStatus:
        """Running or not, the feed, the pairs and how far they got."""
        with self.lock:
            account = self.account
            run = account.run
            pairs = []
            source = self.lifecycle.source
            feed = source.health() if isinstance(source, LiveSource) else None
            for book, pair in account.pairs.items():
                bar = account.model.last_bar(book) if account.model.has_book(book) else None
                status = PairStatus(
                    symbol=pair.symbol,
                    strategy=pair.strategy,
                    timeframe=pair.timeframe,
                    bars=account.bars.get(book, 0),
                    last_bar=None if bar is None else iso_ms(bar.open_ms),
                )
                if feed is not None and isinstance(source, LiveSource):
                    status = live_pair_status(status, source, feed)
                pairs.append(status)
            spec = run.spec
            running = run.state == "running"
            replay = source.progress() if isinstance(source, ReplaySource) else None
            if replay is not None and not running:
                replay = replace(replay, paused=False)
            return EngineStatus(
                state="running" if running else "stopped",
                feed=None if spec is None else spec.kind,
                speed=None if spec is None else spec.speed,
                started_at=None if run.started_ms is None else iso_ms(run.started_ms),
                pairs=pairs,
                candles_processed=account.candles_processed,
                confirm_orders=account.runtime.confirm_orders,
                finished=run.finished,
                error=run.error,
                replay=replay,
            )

    def feed_health(self) -> FeedHealth:
        """The running feed's kind, and a live feed's connection and REST figures."""
        source = self.lifecycle.source
        running = self.account.run.state == "running"
        if isinstance(source, LiveSource) and running:
            return FeedHealth("live", source.health(), source.config.rest.health())
        spec = self.account.run.spec
        return FeedHealth(spec.kind if spec is not None and running else None, None, None)

    # ----- confirmations, manual orders and positions ----------------------------------------

    def expire_due(self) -> int:
        """Auto-cancel confirmations whose TTL ran out (never an order); how many."""
        with self.lock:
            if not self.account.confirmations.waiting_books():
                return 0
            with self.journal.change():
                return self.account.pipeline.expire(ExpireConfirmations())

    def confirm(self, pending_id: str) -> Order:
        """Confirm: the order goes to the venue (an entry fills at the next bar's open).

        Confirmations whose TTL ran out are expired and committed first: a late confirm
        is refused, and the expiry it found stays recorded. Errors change nothing else.
        """
        with self.lock:
            self.expire_due()
            with self.journal.change():
                return self.account.pipeline.confirm(ConfirmOrder(pending_id))

    def reject(self, pending_id: str) -> Order:
        """Reject: the order is never executed (an expired one stays expired)."""
        with self.lock:
            self.expire_due()
            with self.journal.change():
                return self.account.pipeline.reject(RejectOrder(pending_id))

    def submit_order(self, request: OrderRequest, strategy: str | None = None) -> Order:
        """A manual order through the same pipeline as signals (`strategy`: the book of
        `request.symbol` it goes to; optional when one pair trades the symbol)."""
        with self.lock:
            book = self.book_of(request.symbol, strategy)
            blocked: BreakerBlockedError | None = None
            with self.journal.change():
                try:
                    return self.account.pipeline.submit_order(SubmitOrder(book, request))
                except BreakerBlockedError as exc:
                    blocked = exc  # the block is committed (a risk event), then refused
            raise blocked

    def cancel_order(self, order_id: str) -> Order:
        """Cancel a working order (see `scalplab.orders.cancelling`); the order afterwards."""
        with self.lock, self.journal.change():
            pipeline = self.account.pipeline
            books = self.account.model.books()
            return cancel_working_order(pipeline.venue, pipeline.queue, order_id, books)

    def close_position(self, symbol: str, strategy: str | None = None) -> PositionClosed:
        """Close a position at the next bar's open (manual exit)."""
        with self.lock:
            book = self.book_of(symbol, strategy)
            if self.account.model.position(book) is None:
                raise ConflictError(f"{book} has no open position")
            with self.journal.change():
                requested = self.account.pipeline.close_position(ClosePosition(book, "manual"))
            key = self.account.model.book(book).key
            return PositionClosed(key.symbol, key.strategy, requested)

    def book_of(self, symbol: str, strategy: str | None) -> str:
        """The book of `symbol` traded by `strategy` (or by the only pair on that symbol)."""
        name = normalize_symbol(symbol)
        books = [b for b in self.account.model.books() if b.startswith(f"{name}/")]
        if strategy is not None:
            book = book_id(name, strategy)
            if book not in books:
                raise NotFoundError(f"{name} is not traded by {strategy!r} in the simulation")
            return book
        if not books:
            raise NotFoundError(f"{name} is not a simulated pair: add it and start")
        if len(books) > 1:
            names = ", ".join(sorted(b.split("/", 1)[1] for b in books))
            raise ConflictError(f"{name} is traded by several strategies ({names}): name one")
        return books[0]

    # ----- settings and events -----------------------------------------------------------------

    def settings(self) -> SimulationSettings:
        """The runtime settings (confirm_orders, pending TTL, replay speed, risk)."""
        return self.account.runtime

    def update_settings(self, patch: dict[str, object]) -> SimulationSettings:
        """Validate and persist a settings patch; `InputError` changes nothing. The new
        values apply to the next signal and order in every check."""
        with self.lock:
            updated = apply_patch(self.account.runtime, patch)
            self.settings_store.save(updated)
            self.account.apply_settings(updated)
            with self.journal.change():
                self._publish_status()
            return updated

    def subscribe(
        self, loop: asyncio.AbstractEventLoop | None = None, maxsize: int | None = None
    ) -> EventSubscription:
        """A bounded event subscription on the caller's event loop."""
        return self.hub.subscribe(loop, maxsize)
