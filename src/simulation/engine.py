"""`SimulationEngine`: paper trading with the backtests' execution model, risk gate and queue.

Per enabled pair a `PairRunner` runs the pair's strategy plugin in its own
Cerebro on a live `QueueFeed`; one `Driver` thread plays the candle stream (a
`ReplaySource` of stored candles today) into those feeds and steps each
pair's Cerebro (a greenlet of that thread) as its candle arrives. Every call
the strategies make lands here, under one lock, on ONE `ExecutionModel`
(fills, costs, funding, margin, liquidation — the backtest's, unchanged):

    bar    → ExecutionModel.on_bar, the ATR tracker, snapshots
    signal → ExecutionModel.evaluate → RiskGate.check → OrderQueue.submit
             → confirm_orders ? PendingConfirmations.add : ExecutionModel.queue_entry

Every signal is recorded with its fate (accepted, rejected, blocked, pending,
dropped). Every state change is written in one transaction — the global
engine state row (cash, risk gate, run), the state rows of the pairs it
touched (books, ATR window, cursor) and the rows it added — before its event
is published; bars that change nothing are checkpointed at most every
`STATE_WRITE_INTERVAL` seconds. A new engine over the same database resumes
the books, orders and pending confirmations, and `resume()` continues a run
that was interrupted after the last bar it applied.

Replay decisions use the bar clock; the pending TTL uses the wall clock
(`clock`, injectable for tests).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from scalplab.backtests.metrics import compute_metrics
from scalplab.backtests.runner import execution_config, symbol_rules_for
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.data.live_feed import QueueFeed
from scalplab.data.replay import ReplaySource
from scalplab.data.stream import bars_from_frame
from scalplab.data.symbols import SymbolRules, normalize_symbol
from scalplab.errors import ConflictError, InputError, NotFoundError, ScalpLabError
from scalplab.orders.execution import ExecutionEvent, ExecutionModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.ids import client_order_id
from scalplab.orders.models import Bar, SignalRecord, SignalStatus, Trade
from scalplab.orders.pending import PendingConfirmations, PendingView, pending_id
from scalplab.orders.queue import OrderQueue, check_resubmission
from scalplab.orders.resting import RestingOrder
from scalplab.orders.risk import AtrTracker, RiskContext, RiskGate
from scalplab.orders.sizing import risk_position_size
from scalplab.orders.types import Order, OrderRejected, OrderRequest, validate_order
from scalplab.simulation.driver import Driver
from scalplab.simulation.events import EventHub, EventKind, EventSubscription
from scalplab.simulation.repositories import SqlOrderRepository, SqlPendingRepository
from scalplab.simulation.runner import PairRunner, SimExecutor
from scalplab.simulation.settings_store import SettingsStore, SimulationSettings, apply_patch
from scalplab.simulation.store import FeedState, SimStore, StoredState
from scalplab.simulation.views import (
    EngineStatus,
    FeedSpec,
    PairSpec,
    PairStatus,
    Portfolio,
    PositionClosed,
    PositionView,
    RiskEventView,
    SignalView,
    SimTrade,
    portfolio_of,
    positions_of,
)
from scalplab.storage.db import Database
from scalplab.storage.models import Pair
from scalplab.storage.models_sim import RiskEventSim, SignalSim, SnapshotSim
from scalplab.strategies.registry import Registry
from scalplab.strategies.signal import Signal
from scalplab.timeutil import iso_ms

log = logging.getLogger(__name__)

EXCHANGE = "binance"
STATE_WRITE_INTERVAL = 1.0
"""Longest wall time (s) bars may go unpersisted when nothing but the cursor changed."""
SWEEP_INTERVAL = 0.25
"""How often (s) expired confirmations are cancelled and idle cursors written."""
MAX_LIMIT = 1000
RECENT_TRADES = 100
"""Closed trades handed to the loss-streak breaker."""


@dataclass(slots=True)
class _Run:
    """The current (or last) run: what it plays and how far it got."""

    state: str = "stopped"
    spec: FeedSpec | None = None
    started_ms: int | None = None
    finished: bool = False
    error: str | None = None
    last_open: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "spec": None if self.spec is None else self.spec.to_dict(),
            "started_ms": self.started_ms,
            "finished": self.finished,
            "error": self.error,
            "last_open": dict(self.last_open),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Run:
        spec = data.get("spec")
        return cls(
            state=str(data.get("state", "stopped")),
            spec=None if spec is None else FeedSpec.from_dict(spec),
            started_ms=data.get("started_ms"),
            finished=bool(data.get("finished", False)),
            error=data.get("error"),
            last_open={k: int(v) for k, v in dict(data.get("last_open", {})).items()},
        )


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
    ) -> None:
        self.config = settings
        self.keep_history = keep_history
        self.database = database
        self.registry = registry
        self.clock = clock
        self.initial_capital = settings.simulation_initial_capital
        self.hub = EventHub()
        self.store = SimStore(database)
        self.settings_store = SettingsStore(database, settings)
        self._fixed_pairs = list(pairs) if pairs is not None else None
        self._lock = threading.RLock()
        self._view_lock = threading.Lock()
        self._view_stale = True
        self._candles = CandleStore(settings.data_dir, EXCHANGE)
        self._funding = FundingStore(settings.data_dir, EXCHANGE)
        self.orders = OrderQueue(SqlOrderRepository(self.store))
        self._sim_settings = self.settings_store.load()
        self._pending = PendingConfirmations(
            SqlPendingRepository(self.store),
            self._sim_settings.pending_ttl_seconds,
            clock=clock,
            orders=self.orders,
        )
        self._runners: dict[str, PairRunner] = {}
        self._finished_runners: set[str] = set()
        self._driver: Driver | None = None
        self._source: ReplaySource | None = None
        self._stop_event = threading.Event()
        self._closed = threading.Event()
        self._events: list[ExecutionEvent] = []
        self._outbox: list[tuple[EventKind, dict[str, Any]]] = []
        self._rows: list[Any] = []
        self._dirty = False
        self._unsaved = False
        self._last_write = 0.0
        self._interrupted = False
        self._burst: ExitStack | None = None
        self._burst_session: Session | None = None
        self._burst_changed = False
        self._load()
        self._sweeper = threading.Thread(target=self._sweep, name="sim-sweeper", daemon=True)
        self._sweeper.start()

    # ----- construction and persistence ------------------------------------------------

    def _fresh_books(self) -> None:
        config = execution_config(self.config)
        self.model = ExecutionModel(
            replace(config, initial_capital=self.initial_capital), on_event=self._on_execution
        )
        risk = self._sim_settings.risk
        self.gate = RiskGate(risk)
        self.atr = AtrTracker(risk.atr_period, risk.atr_average_window)
        self.pairs: dict[str, PairSpec] = {}
        self.run = _Run()
        self.entries: dict[str, str] = {}
        self.awaiting: dict[str, dict[str, Any]] = {}
        self.candles_processed = 0
        self.bars: dict[str, int] = {}
        self.version = 0
        self.last_snapshot_ms: int | None = None
        self.last_bar_ms: int | None = None
        self._recent: list[tuple[int, int, float]] = []

    def _load(self) -> None:
        self._fresh_books()
        stored = self.store.load_state()
        if stored is None:
            self._update_view()
            return
        run = stored.run
        self.run = _Run.from_dict(run.get("run", {}))
        for data in run.get("pairs", []):
            spec = PairSpec.from_dict(data)
            self._register(spec, self.run.last_open.get(spec.symbol))
        self.model.restore(self._with_trades(stored.execution))
        self._remember(self.model.trades)
        risk = self._sim_settings.risk
        if stored.risk.get("gate"):
            self.gate = RiskGate.from_state(risk, stored.risk["gate"])
        if stored.risk.get("atr"):
            self.atr = AtrTracker.from_state(stored.risk["atr"])
        self.entries = dict(run.get("entries", {}))
        self.awaiting = dict(run.get("awaiting", {}))
        self.bars = {k: int(v) for k, v in dict(run.get("bars", {})).items()}
        self.last_snapshot_ms = run.get("last_snapshot_ms")
        self.last_bar_ms = run.get("last_bar_ms")
        self.candles_processed = stored.candles_processed
        self.version = stored.version
        if self.run.state == "running":
            self.run.state = "stopped"  # until resume() starts it again
            self.run.error = None
            self._interrupted = True
        self._update_view()

    def _register(self, spec: PairSpec, last_open_ms: int | None) -> None:
        """Add a pair's feed to the books (rules, funding, final bar)."""
        rules = self._rules(spec.symbol)
        rows = self._funding.read(spec.symbol)
        funding = FundingSchedule(
            zip(
                rows["funding_time"].to_numpy(dtype=np.int64).tolist(),
                rows["funding_rate"].to_numpy(dtype=np.float64).tolist(),
                strict=True,
            ),
            self.config.default_funding_rate,
        )
        self.model.add_feed(spec.symbol, rules, funding, last_open_ms=last_open_ms)
        self.pairs[spec.symbol] = spec
        self.bars.setdefault(spec.symbol, 0)

    def _rules(self, symbol: str) -> SymbolRules:
        rules, _ = symbol_rules_for(symbol, self.config)
        return rules

    def _with_trades(self, execution: dict[str, Any]) -> dict[str, Any]:
        """The stored books have no closed trades (those are rows of `trades_sim`, written
        in the same transaction, so the state row stays small however long the
        simulation runs): put them back from their rows, in exit order."""
        feeds = execution.get("feeds", {})
        for row in reversed(self.store.trades(limit=None, offset=0)):
            feed = feeds.get(row.symbol)
            if feed is not None and "trades" in feed:
                feed["trades"].append(
                    {
                        "feed": row.symbol,
                        "side": row.side,
                        "entry_ms": row.entry_ms,
                        "exit_ms": row.exit_ms,
                        "entry_price": row.entry_price,
                        "exit_price": row.exit_price,
                        "qty": row.qty,
                        "exit_reason": row.exit_reason,
                        "fees": row.fees,
                        "funding": row.funding,
                        "slippage": row.slippage,
                        "pnl": row.pnl,
                        "bars_held": row.bars_held,
                    }
                )
        return execution

    def _state(self) -> StoredState:
        """The global part of the engine state (each pair's part: `_feed_rows`)."""
        return StoredState(
            execution=self.model.state(trades=False, feeds=False),
            risk={"gate": self.gate.state(), "atr": self.atr.state(symbols=False)},
            cursors={},
            run={
                "run": self.run.to_dict(),
                "pairs": [spec.to_dict() for spec in self.pairs.values()],
                "entries": dict(self.entries),
                "awaiting": dict(self.awaiting),
                "last_snapshot_ms": self.last_snapshot_ms,
                "last_bar_ms": self.last_bar_ms,
            },
            candles_processed=self.candles_processed,
            version=self.version,
        )

    def _feed_rows(self, symbols: set[str]) -> dict[str, FeedState]:
        """The state rows of these pairs (books, ATR window, cursor, bar count)."""
        rows = {}
        for symbol in symbols:
            bar = self.model.last_bar(symbol)
            rows[symbol] = FeedState(
                execution=self.model.feed_state(symbol, trades=False),
                atr=self.atr.symbol_state(symbol),
                cursor=None if bar is None else bar.open_ms,
                bars=self.bars.get(symbol, 0),
            )
        return rows

    @contextmanager
    def _change(self) -> Iterator[Session]:
        """One state change: rows + engine state in one transaction, then its events.

        Callers hold the engine lock. Events queued during the change are published
        only after the commit; a failed change publishes nothing. Inside a burst
        (`open_burst`) the change joins the burst's transaction, and the state rows,
        the commit and the events wait for `close_burst`.
        """
        self.version += 1
        if self._burst is not None:
            self._burst_changed = True
            with self.store.transaction() as session:  # the burst's
                yield session
                self._apply_changes(session)
            return
        try:
            with self.store.transaction() as session:
                yield session
                touched = self._apply_changes(session, save=True)
        except BaseException:
            self.version -= 1
            self._outbox.clear()
            raise
        self._committed(touched)

    def _apply_changes(self, session: Session, save: bool = False) -> set[str]:
        """Write what the books booked and the queued rows (and, with `save`, the engine
        state: the global row and the rows of the pairs touched); the touched pairs."""
        events, self._events = self._events, []
        for event in events:
            self._apply_execution_event(session, event)
        rows, self._rows = self._rows, []
        session.add_all(rows)
        touched = set(self.model.touched)
        if save:
            self.store.save_state(session, self._state())
            self.store.save_feeds(session, self._feed_rows(touched))
        return touched

    def _committed(self, touched: set[str]) -> None:
        """After a commit: the touched pairs are stored, the view is stale, events go out."""
        self.model.touched.difference_update(touched)
        self._dirty = False
        self._unsaved = False
        self._last_write = time.monotonic()
        self._update_view()
        outbox, self._outbox = self._outbox, []
        for kind, data in outbox:
            self.hub.publish(kind, data)

    def open_burst(self) -> None:
        """The driver starts a burst of candles: hold the lock and one transaction for it.

        Every step of the burst joins that transaction; `close_burst` writes the engine
        state once, commits, and publishes the burst's events. A crash in between loses
        the whole burst, and the replay resumes before it (the cursors are in it too).
        """
        self._lock.acquire()
        stack = ExitStack()
        try:
            self._burst_session = stack.enter_context(self.store.transaction())
        except BaseException:
            self._lock.release()
            raise
        self._burst = stack
        self._burst_changed = False

    def close_burst(self) -> None:
        """Commit the burst (if anything changed) and publish its events."""
        stack, self._burst = self._burst, None
        try:
            if stack is None:
                return
            touched: set[str] = set()
            session, self._burst_session = self._burst_session, None
            with stack:
                if self._burst_changed and session is not None:
                    touched = self._apply_changes(session, save=True)
            if self._burst_changed:
                self._committed(touched)
            else:
                self._update_view()
        except BaseException:
            self._outbox.clear()
            raise
        finally:
            self._lock.release()

    def _write(self) -> None:
        """Commit whatever is buffered together with the engine state."""
        with self._change():
            pass

    def _on_execution(self, event: ExecutionEvent) -> None:
        """The model booked something: keep it for the step's transaction."""
        if event.kind == "exit":
            self._remember([Trade(**event.data)])
        self._events.append(event)
        self._dirty = True

    def _apply_execution_event(self, session: Any, event: ExecutionEvent) -> None:
        now_ms = self._now_ms()
        feed = event.feed
        if event.kind == "entry":
            order_id = self.entries.get(feed)
            if order_id is not None:
                order = self._move_order(order_id, "filled", now_ms, event.data["entry_price"])
                if order is not None:
                    self._outbox.append(("order", order.to_dict()))
        elif event.kind == "exit":
            trade = Trade(**event.data)
            self.store.add_trade(session, trade)
            self._close_children(feed, trade, now_ms)
            self._outbox.append(("trade", SimTrade(feed, trade).to_dict()))
        elif event.kind in ("order_filled", "order_cancelled"):
            order_id = str(event.data["id"])
            if event.kind == "order_filled":
                order = self._move_order(order_id, "filled", now_ms, float(event.data["price"]))
            else:
                order = self._move_order(
                    order_id, "cancelled", now_ms, None, str(event.data.get("reason", ""))
                )
            if order is not None:
                self._outbox.append(("order", order.to_dict()))

    def _remember(self, trades: Iterable[Trade]) -> None:
        """Keep the last `RECENT_TRADES` closed trades for the loss-streak breaker, in
        exit order (ties: pair registration order), without re-sorting every trade."""
        feeds = self.model.feeds()
        for trade in trades:
            bisect.insort(self._recent, (trade.exit_ms, feeds.index(trade.feed), trade.pnl))
        del self._recent[:-RECENT_TRADES]

    def _move_order(
        self,
        order_id: str,
        status: str,
        now_ms: int,
        price: float | None,
        reason: str = "",
    ) -> Order | None:
        order = self.orders.repository.get(order_id)
        if order is None or not order.is_open:
            return None
        if status == "filled":
            assert price is not None
            return self.orders.fill(order_id, price, now_ms)
        return self.orders.cancel(order_id, now_ms, reason or "cancelled")

    def _close_children(self, feed: str, trade: Trade, now_ms: int) -> None:
        """The position's bracket orders follow its exit (OCO)."""
        order_id = self.entries.pop(feed, None)
        if order_id is None:
            return
        parent = self.orders.repository.get(order_id)
        if parent is None:
            return
        for child_id in parent.children:
            child = self.orders.repository.get(child_id)
            if child is None or not child.is_open:
                continue
            role = "sl" if child.type == "stop_market" else "tp"
            if trade.exit_reason == role:
                self.orders.fill(child_id, trade.exit_price, now_ms)
            elif child.is_open:
                self.orders.cancel(child_id, now_ms, f"position closed ({trade.exit_reason})")

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    # ----- the view (cheap reads) ----------------------------------------------------------

    def _update_view(self) -> None:
        """Recompute the portfolio view now (callers hold the engine lock)."""
        portfolio = portfolio_of(self.model, self.initial_capital, self.last_bar_ms)
        positions = positions_of(self.model)
        with self._view_lock:
            self._portfolio = portfolio
            self._positions = positions
            self._view_stale = False

    def _fresh_view(self) -> None:
        """Bring the view up to the books, if a step changed them since it was computed.

        The view is recomputed after every commit and at the end of every burst of
        the driver, not on every bar of every pair (that cost sat between a candle
        and its signal); a pair driven by hand (`attach`) only marks it stale on a
        bar that commits nothing, and the next read recomputes it.
        """
        if self._view_stale:
            with self._lock:
                if self._view_stale:
                    self._update_view()

    # ----- steps driven by the pair runners --------------------------------------------------

    def _step_bar(self, executor: SimExecutor, bar: Bar) -> None:
        self._lock.acquire()
        executor.holding = True
        symbol = executor.symbol
        last = self.model.last_bar(symbol)
        if last is not None and bar.open_ms <= last.open_ms:
            executor.skip = True
            return
        executor.skip = False
        self.model.on_bar(symbol, bar)
        self.atr.update(symbol, bar)
        self.gate.observe_equity(bar.open_ms, self.model.equity)
        self.candles_processed += 1
        self.bars[symbol] = self.bars.get(symbol, 0) + 1
        if self.last_bar_ms is None or bar.open_ms > self.last_bar_ms:
            self.last_bar_ms = bar.open_ms
        snapshot_ms = self.config.sim_snapshot_seconds * 1000
        if self.last_snapshot_ms is None or bar.open_ms - self.last_snapshot_ms >= snapshot_ms:
            self._snapshot(bar.open_ms)

    def _snapshot(self, time_ms: int) -> None:
        """Queue a portfolio snapshot row for this step's commit."""
        portfolio = portfolio_of(self.model, self.initial_capital, time_ms)
        self.last_snapshot_ms = time_ms
        self._rows.append(
            SnapshotSim(
                time_ms=time_ms,
                equity=portfolio.equity,
                cash=portfolio.cash,
                unrealised_pnl=portfolio.unrealised_pnl,
                open_positions=portfolio.open_positions,
                data=portfolio.to_dict(),
            )
        )
        self._dirty = True
        if not self.keep_history:
            # The engine's equity history is the snapshots: keep memory flat on long runs.
            self.model.equity_curve.clear()

    def _step_commit(self, executor: SimExecutor) -> None:
        if not executor.holding:
            return
        try:
            if self._dirty or time.monotonic() - self._last_write >= STATE_WRITE_INTERVAL:
                self._write()
            elif not executor.skip:
                self._unsaved = True
                if self._burst is None:  # a burst refreshes the view once, at its end
                    self._view_stale = True
        finally:
            executor.holding = False
            self._lock.release()

    def _request_exit(self, executor: SimExecutor, reason: Any) -> bool:
        requested = self.model.request_exit(executor.symbol, reason)
        self._dirty = self._dirty or requested
        return requested

    def _step_finish(self, executor: SimExecutor, natural: bool) -> None:
        if not natural:
            return
        with self._lock, self._change() as session:
            self.model.finish(executor.symbol)
            self._cancel_confirmations(session, executor.symbol)

    def _cancel_confirmations(self, session: Session, symbol: str) -> None:
        """The pair's data has ended: its open confirmations could never fill."""
        reason = f"the replay of {symbol} ended: no bar is left to fill the order on"
        for order_id, plan in list(self.awaiting.items()):
            if plan.get("feed") != symbol:
                continue
            order = self._pending.cancel(pending_id(order_id), reason)
            self.awaiting.pop(order_id, None)
            self.store.settle_signal(session, order_id, "cancelled", reason)
            self._outbox.append(
                ("pending", self._pending.get(pending_id(order_id)).to_dict(self.clock()))
            )
            self._outbox.append(("order", order.to_dict()))

    def _step_signal(self, executor: SimExecutor, bar: Bar, signal: Signal) -> SignalRecord:
        symbol = executor.symbol
        record = self.model.evaluate(symbol, bar, signal)
        if self.keep_history:
            self.model.signals.append(record)
        status: str = record.status
        reason = record.reason
        order: Order | None = None
        risk_event: tuple[str, str] | None = None
        if status == "accepted" and any(a["feed"] == symbol for a in self.awaiting.values()):
            status, reason = "rejected", "pending_confirmation"
        if status == "accepted":
            decision = self.gate.check(self._risk_context(symbol, bar, signal))
            if not decision.allowed:
                status, reason = "blocked", decision.reason
                risk_event = (str(decision.breaker), decision.reason)
        confirm = self._sim_settings.confirm_orders
        with self._change() as session:
            if status == "accepted":
                try:
                    order, status = self._signal_order(executor, bar, signal, record.qty, confirm)
                except OrderRejected as exc:
                    status, reason = "rejected", exc.reason
            row = self.store.add_signal(
                session,
                SignalSim(
                    symbol=symbol,
                    strategy=executor.strategy,
                    time_ms=bar.open_ms,
                    side=signal.side,
                    entry=signal.entry,
                    stop_loss=signal.stop_loss,
                    take_profit=signal.take_profit,
                    confidence=signal.confidence,
                    reasons=list(signal.reasons),
                    status=status,
                    reason=reason,
                    qty=record.qty,
                    order_id=None if order is None else order.id,
                ),
            )
            if risk_event is not None:
                breaker, why = risk_event
                session.add(
                    RiskEventSim(
                        time_ms=bar.open_ms,
                        symbol=symbol,
                        breaker=breaker,
                        reason=why,
                        signal_id=row.id,
                    )
                )
                self._outbox.append(
                    (
                        "risk",
                        {
                            "time": iso_ms(bar.open_ms),
                            "symbol": symbol,
                            "breaker": breaker,
                            "reason": why,
                        },
                    )
                )
            view = _signal_view(row).to_dict()
            if executor.feed is not None and executor.feed.last_ingress_ns is not None:
                # When the candle behind the signal arrived (wall clock): for latency checks.
                view["candle_in_ns"] = executor.feed.last_ingress_ns
            self._outbox.insert(0, ("signal", view))
        return record

    def _signal_order(
        self, executor: SimExecutor, bar: Bar, signal: Signal, qty: float, confirm: bool
    ) -> tuple[Order, str]:
        """Queue the signal's order; execute it now or ask for confirmation."""
        symbol = executor.symbol
        rules = self.model_rules(symbol)
        request = OrderRequest.from_signal(
            symbol,
            signal.side,
            qty,
            signal.stop_loss,
            signal.take_profit,
            rules,
            strategy=executor.strategy,
            signal_time_ms=bar.open_ms,
            client_order_id=client_order_id(symbol, executor.strategy, bar.open_ms, signal.side),
        )
        validate_order(request, rules, bar.close)
        order, created = self.orders.submit(request, self._now_ms(), awaiting_confirmation=confirm)
        if not created:
            raise OrderRejected(f"duplicate of order {order.id} (same client order id)")
        if confirm:
            pending = self._pending.add(order)
            self.awaiting[order.id] = {
                "feed": symbol,
                "signal": signal.to_dict(),
                "qty": qty,
                "signal_ms": bar.open_ms,
            }
            self._outbox.append(("pending", pending.to_dict(self.clock())))
            return order, "pending"
        self.model.queue_entry(symbol, signal, qty, bar.open_ms)
        self.gate.record_entry(bar.open_ms)
        self.entries[symbol] = order.id
        self._outbox.append(("order", order.to_dict()))
        return order, "accepted"

    def model_rules(self, symbol: str) -> SymbolRules:
        """The symbol rules the books apply to `symbol`."""
        return self._rules(symbol)

    def _risk_context(self, symbol: str, bar: Bar, signal: Signal | None) -> RiskContext:
        equity = self.model.equity
        busy = {feed for feed in self.model.feeds() if self.model.position(feed) is not None}
        open_positions = len(busy | set(self.entries))
        return RiskContext(
            symbol=symbol,
            side="long" if signal is None else signal.side,
            reward_risk=None if signal is None else signal.reward_risk,
            now_ms=bar.open_ms,
            equity=equity,
            day_start_equity=self.gate.observe_equity(bar.open_ms, equity),
            open_positions=open_positions,
            recent_closed=[(exit_ms, pnl) for exit_ms, _, pnl in self._recent],
            entries_last_hour=self.gate.entries_last_hour(bar.open_ms),
            spread_pct=None,
            atr=self.atr.atr(symbol),
            atr_avg=self.atr.atr_avg(symbol),
        )

    def _runner_done(self, runner: PairRunner) -> None:
        with self._lock:
            if runner.error and self.run.error is None:
                self.run.error = runner.error
                self._stop_event.set()
                if self._source is not None:
                    self._source.stop()
                for other in self._runners.values():
                    other.feed.request_stop()
            self._finished_runners.add(runner.executor.symbol)
            if set(self._runners) - self._finished_runners or self.run.state != "running":
                return
            self.run.finished = not self._stop_event.is_set()
            self.run.state = "stopped"
            self._outbox.append(("status", self.status().to_dict()))
            self._write()

    # ----- lifecycle -------------------------------------------------------------------------

    def _enabled_pairs(self) -> list[PairSpec]:
        if self._fixed_pairs is not None:
            return list(self._fixed_pairs)
        with self.database.session() as session:
            rows = session.scalars(select(Pair).where(Pair.enabled.is_(True)).order_by(Pair.id))
            return [PairSpec(p.symbol, p.strategy, p.timeframe, dict(p.params)) for p in rows]

    def start(self, feed: FeedSpec | None = None) -> EngineStatus:
        """Start (or continue after its cursor) the replay of every enabled pair."""
        with self._lock:
            if self.run.state == "running":
                raise ConflictError("the simulation is already running")
            specs = [
                PairSpec(normalize_symbol(p.symbol), p.strategy, p.timeframe, dict(p.params))
                for p in self._enabled_pairs()
            ]
            if not specs:
                raise InputError("no enabled pairs to simulate: add a pair first")
            spec = feed or self.run.spec or FeedSpec(speed=self._sim_settings.replay_speed)
            resolved = []
            for pair in specs:
                info = self.registry.get(pair.strategy)
                resolved.append((pair, info, info.resolve(dict(pair.params))))
            resume = {
                p.symbol: bar.open_ms
                for p in specs
                if p.symbol in self.model.feeds()
                and (bar := self.model.last_bar(p.symbol)) is not None
            }
            source = ReplaySource(
                self._candles,
                [(p.symbol, p.timeframe) for p in specs],
                spec.start_ms,
                spec.end_ms,
                spec.speed,
                resume_after=resume,
            )
            self._stop_event = threading.Event()
            runners: dict[tuple[str, str], PairRunner] = {}
            for pair, info, params in resolved:
                last_open = source.last_open_ms(pair.symbol, pair.timeframe)
                if pair.symbol not in self.model.feeds():
                    self._register(pair, last_open)
                self.pairs[pair.symbol] = pair
                self.run.last_open[pair.symbol] = last_open
                history = self._history(pair, spec, resume.get(pair.symbol))
                queue_feed = QueueFeed(
                    history, tf=pair.timeframe, last_open_ms=last_open, stop_event=self._stop_event
                )
                executor = SimExecutor(self, pair.symbol, info.name)
                runners[(pair.symbol, pair.timeframe)] = PairRunner(
                    executor, info, dict(params), queue_feed
                )
            self._source = source
            self._runners = {runner.symbol: runner for runner in runners.values()}
            self._finished_runners = set()
            self.run.state = "running"
            self.run.spec = spec
            self.run.started_ms = self._now_ms()
            self.run.finished = False
            self.run.error = None
            self._outbox.append(("status", self.status().to_dict()))
            self._write()
            self._driver = Driver(source, runners, self._stream_failed, bursts=self)
            self._driver.start()
            return self.status()

    def attach(self, pair: PairSpec, last_open_ms: int | None = None) -> SimExecutor:
        """Register a pair and return the executor that drives it by hand.

        For a candle source that is not a replay (the live adapter) and for tests:
        call `on_bar` / `on_signal` and then `checkpoint()` once per closed bar,
        exactly as a strategy does.
        """
        with self._lock:
            symbol = normalize_symbol(pair.symbol)
            self.registry.get(pair.strategy)
            spec = PairSpec(symbol, pair.strategy, pair.timeframe, dict(pair.params))
            if symbol not in self.model.feeds():
                self._register(spec, last_open_ms)
                if last_open_ms is not None:
                    self.run.last_open[symbol] = last_open_ms
            self.pairs[symbol] = spec
            self._write()
            return SimExecutor(self, symbol, pair.strategy)

    def _history(self, pair: PairSpec, spec: FeedSpec, cursor: int | None) -> list[Bar]:
        """Warm-up bars for a resumed pair: what it had seen up to its cursor."""
        if cursor is None:
            return []
        frame = self._candles.read(pair.symbol, pair.timeframe, spec.start_ms, cursor + 1)
        return bars_from_frame(frame)

    def _stream_failed(self, message: str) -> None:
        """The candle stream broke (a bad stored candle, say): the run stops with it."""
        with self._lock:
            if self.run.error is None:
                self.run.error = message
            self._stop_event.set()

    def resume(self) -> EngineStatus:
        """Continue a run a previous process left running (after a crash or restart)."""
        if getattr(self, "_interrupted", False):
            self._interrupted = False
            return self.start(self.run.spec)
        return self.status()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run ends; True when it did."""
        driver = self._driver
        if driver is None:
            return True
        driver.join(timeout)
        return not driver.is_alive()

    def stop(self) -> EngineStatus:
        """Stop the run; positions, orders and confirmations stay as they are."""
        with self._lock:
            if self.run.state != "running":
                return self.status()
            self._stop_event.set()
            if self._source is not None:
                self._source.stop()
            runners = list(self._runners.values())
        for runner in runners:
            runner.feed.request_stop()
        if self._driver is not None:
            self._driver.join(10.0)
        with self._lock:
            if self.run.state == "running":
                self.run.state = "stopped"
                self._outbox.append(("status", self.status().to_dict()))
                self._write()
            return self.status()

    def reset(self) -> EngineStatus:
        """Stop, then wipe every `_sim` table and start over with the initial capital."""
        self.stop()
        with self._lock:
            self.store.reset()
            self._fresh_books()
            self._runners = {}
            self._update_view()
            self._outbox.append(("status", self.status().to_dict()))
            self._write()
            return self.status()

    def close(self) -> None:
        """Stop the run and the background sweeper (the engine is unusable afterwards)."""
        self.stop()
        self._closed.set()
        self._sweeper.join(5.0)
        with self._lock:
            if self._dirty or self._unsaved:
                self._write()

    def _sweep(self) -> None:
        while not self._closed.wait(SWEEP_INTERVAL):
            try:
                self.expire_due()
                with self._lock:
                    idle = time.monotonic() - self._last_write >= STATE_WRITE_INTERVAL
                    if self._dirty or (self._unsaved and idle):
                        self._write()
            except ScalpLabError as exc:
                log.warning("simulation sweep failed: %s", exc.message)

    # ----- queries ---------------------------------------------------------------------------

    def status(self) -> EngineStatus:
        """Running or not, the feed, the pairs and how far they got."""
        with self._lock:
            spec = self.run.spec
            pairs = []
            for symbol, pair in self.pairs.items():
                bar = self.model.last_bar(symbol) if symbol in self.model.feeds() else None
                pairs.append(
                    PairStatus(
                        symbol=symbol,
                        strategy=pair.strategy,
                        timeframe=pair.timeframe,
                        bars=self.bars.get(symbol, 0),
                        last_bar=None if bar is None else iso_ms(bar.open_ms),
                    )
                )
            return EngineStatus(
                state="running" if self.run.state == "running" else "stopped",
                feed=None if spec is None else spec.kind,
                speed=None if spec is None else spec.speed,
                started_at=None if self.run.started_ms is None else iso_ms(self.run.started_ms),
                pairs=pairs,
                candles_processed=self.candles_processed,
                confirm_orders=self._sim_settings.confirm_orders,
                finished=self.run.finished,
                error=self.run.error,
            )

    def portfolio(self) -> Portfolio:
        """Portfolio totals as of the last step (no database access)."""
        self._fresh_view()
        with self._view_lock:
            return self._portfolio

    def positions(self) -> list[PositionView]:
        """Open positions as of the last step."""
        self._fresh_view()
        with self._view_lock:
            return list(self._positions)

    def trades(self, limit: int = 100, offset: int = 0) -> list[SimTrade]:
        """Closed trades, newest exit first."""
        _check_page(limit, offset)
        return [
            SimTrade(
                row.symbol,
                Trade(
                    feed=row.symbol,
                    side="long" if row.side == "long" else "short",
                    entry_ms=row.entry_ms,
                    exit_ms=row.exit_ms,
                    entry_price=row.entry_price,
                    exit_price=row.exit_price,
                    qty=row.qty,
                    exit_reason=row.exit_reason,  # type: ignore[arg-type]
                    fees=row.fees,
                    funding=row.funding,
                    slippage=row.slippage,
                    pnl=row.pnl,
                    bars_held=row.bars_held,
                ),
            )
            for row in self.store.trades(limit, offset)
        ]

    def performance(self) -> dict[str, object]:
        """Metrics over the simulation (`compute_metrics`, equity from the snapshots)."""
        with self._lock:
            trades = sorted(self.model.trades, key=lambda t: (t.exit_ms, t.feed))
            equity = [(row.time_ms, row.equity) for row in self.store.snapshots()]
            final = self.model.equity
            if self.last_bar_ms is not None and (not equity or equity[-1][0] < self.last_bar_ms):
                equity.append((self.last_bar_ms, final))
            records = [_signal_record(row) for row in self.store.signals(None, None)]
            return compute_metrics(
                trades, equity, records, self.model.totals(), self.initial_capital, final
            )

    def signals(self, symbol: str | None = None, limit: int = 100) -> list[SignalView]:
        """Newest signals first, with their fate."""
        _check_page(limit, 0)
        name = None if symbol is None else normalize_symbol(symbol)
        return [_signal_view(row) for row in self.store.signals(name, limit)]

    def risk_events(self, limit: int = 100) -> list[RiskEventView]:
        """Newest circuit-breaker blocks first."""
        _check_page(limit, 0)
        return [
            RiskEventView(r.id, r.time_ms, r.symbol, r.breaker, r.reason, r.signal_id)
            for r in self.store.risk_events(limit)
        ]

    def orders_list(self, limit: int = 100, offset: int = 0) -> list[Order]:
        """Orders, newest first."""
        return self.orders.list(limit, offset)

    # ----- confirmations ------------------------------------------------------------------------

    def pending(self) -> list[PendingView]:
        """Open confirmations with their countdown (expired ones are cancelled first)."""
        self.expire_due()
        return self._pending.list()

    def expire_due(self) -> int:
        """Auto-cancel confirmations whose TTL ran out (never an order); how many."""
        with self._lock:
            if not self.awaiting:
                return 0
            now = self.clock()
            if not any(p.due(now) for p in self._pending.repository.list_open()):
                return 0
            with self._change() as session:
                expired = self._pending.expire_due()
                for item in expired:
                    self.awaiting.pop(item.order.id, None)
                    self.store.settle_signal(session, item.order.id, "expired", item.order.reason)
                    self._outbox.append(("pending", item.to_dict(self.clock())))
                    self._outbox.append(("order", item.order.to_dict()))
            return len(expired)

    def confirm(self, pending_id: str) -> Order:
        """Confirm: the entry fills at the next bar's open. Errors change nothing.

        Confirmations whose TTL ran out are expired (and committed) first: a late
        confirm is refused, and the expiry it found stays recorded.
        """
        with self._lock:
            self.expire_due()
            stored = self._pending.get(pending_id)
            plan = self.awaiting.get(stored.order.id)
            feed = stored.order.symbol
            busy = self.model.position(feed) is not None or feed in self.entries
            if (
                stored.status == "open"
                and plan is not None
                and busy
                and not stored.order.reduce_only
            ):
                raise ConflictError(f"{feed} already has a position or a pending entry")
            with self._change() as session:
                order = self._pending.confirm(pending_id)
                self.store.settle_signal(session, order.id, "accepted", "confirmed")
                if plan is None:
                    raise ConflictError(f"confirmation {pending_id} has no order to execute")
                if plan.get("manual"):
                    self._execute_manual(order)
                else:
                    signal = Signal(**plan["signal"])
                    self.model.queue_entry(feed, signal, float(plan["qty"]), int(plan["signal_ms"]))
                    self.gate.record_entry(int(plan["signal_ms"]))
                    self.entries[feed] = order.id
                self.awaiting.pop(order.id, None)
                confirmed = self._pending.get(pending_id)
                self._outbox.append(("pending", confirmed.to_dict(self.clock())))
                self._outbox.append(("order", order.to_dict()))
            return order

    def reject(self, pending_id: str) -> Order:
        """Reject: the order is never executed (an expired one stays expired)."""
        self.expire_due()
        with self._lock, self._change() as session:
            order = self._pending.reject(pending_id)
            self.store.settle_signal(session, order.id, "rejected", order.reason)
            self.awaiting.pop(order.id, None)
            rejected = self._pending.get(pending_id)
            self._outbox.append(("pending", rejected.to_dict(self.clock())))
            self._outbox.append(("order", order.to_dict()))
            return order

    # ----- manual orders and positions --------------------------------------------------------

    def submit_order(self, request: OrderRequest) -> Order:
        """A manual order through the same queue, gate and confirmation as signals.

        Idempotent on `client_order_id`: a resubmission returns the first order.
        """
        with self._lock:
            symbol = request.symbol
            if request.client_order_id is not None:
                existing = self.orders.get_by_client_id(request.client_order_id)
                if existing is not None:
                    check_resubmission(existing, request)  # same key, other order: refused
                    return existing
            if symbol not in self.model.feeds():
                raise NotFoundError(f"{symbol} is not a simulated pair: add it and start")
            bar = self.model.last_bar(symbol)
            if bar is None:
                raise ConflictError(f"{symbol} has no price yet: start the simulation first")
            rules = self._rules(symbol)
            request = self._sized(request, bar, rules)
            validate_order(request, rules, bar.close)
            if not request.reduce_only:
                self._gate_manual(request, bar)
            confirm = self._sim_settings.confirm_orders
            with self._change():
                order, created = self.orders.submit(
                    request, self._now_ms(), awaiting_confirmation=confirm
                )
                if not created:
                    return order
                if confirm:
                    pending = self._pending.add(order)
                    self.awaiting[order.id] = {"feed": symbol, "manual": True}
                    self._outbox.append(("pending", pending.to_dict(self.clock())))
                else:
                    self._execute_manual(order)
                self._outbox.append(("order", order.to_dict()))
            return order

    def _sized(self, request: OrderRequest, bar: Bar, rules: SymbolRules) -> OrderRequest:
        """An entry without qty but with a stop-loss is sized by risk, as signals are."""
        if request.qty is not None or request.stop_loss is None or request.reduce_only:
            return request
        qty = risk_position_size(
            self.model.equity,
            float(request.entry_price(bar.close)),
            float(request.stop_loss),
            self.config.risk_per_trade_pct,
            self.config.max_leverage,
            rules.step_size,
        )
        if qty <= 0:
            raise OrderRejected("the risk-sized quantity is zero: widen the stop or add equity")
        return request.with_qty(Decimal(str(qty)))

    def _gate_manual(self, request: OrderRequest, bar: Bar) -> None:
        """The risk gate for a manual entry; a block is recorded and refused."""
        entry = float(request.entry_price(bar.close))
        tp, sl = request.take_profit, request.stop_loss
        reward_risk = None
        if tp is not None and sl is not None and float(sl) != entry:
            reward_risk = abs(float(tp) - entry) / abs(entry - float(sl))
        context = replace(
            self._risk_context(request.symbol, bar, None),
            side="long" if request.side == "buy" else "short",
            reward_risk=reward_risk,
        )
        decision = self.gate.check(context)
        if decision.allowed:
            return
        breaker = str(decision.breaker)
        with self._change() as session:
            session.add(
                RiskEventSim(
                    time_ms=bar.open_ms,
                    symbol=request.symbol,
                    breaker=breaker,
                    reason=decision.reason,
                    signal_id=None,
                )
            )
            self._outbox.append(
                (
                    "risk",
                    {
                        "time": iso_ms(bar.open_ms),
                        "symbol": request.symbol,
                        "breaker": breaker,
                        "reason": decision.reason,
                    },
                )
            )
        raise ConflictError(f"blocked by the {breaker} breaker: {decision.reason}")

    def _execute_manual(self, order: Order) -> None:
        assert order.qty is not None
        self.model.place_order(
            order.symbol,
            RestingOrder(
                id=order.id,
                side=order.side,
                type=order.type,
                qty=float(order.qty),
                price=None if order.price is None else float(order.price),
                stop_price=None if order.stop_price is None else float(order.stop_price),
                callback_rate_pct=(
                    None if order.callback_rate_pct is None else float(order.callback_rate_pct)
                ),
                reduce_only=order.reduce_only,
                stop_loss=None if order.stop_loss is None else float(order.stop_loss),
                take_profit=None if order.take_profit is None else float(order.take_profit),
                placed_ms=self.model.last_bar(order.symbol).open_ms,  # type: ignore[union-attr]
            ),
        )
        if not order.reduce_only:
            self.entries[order.symbol] = order.id

    def close_position(self, symbol: str) -> PositionClosed:
        """Close a position at the next bar's open (manual exit)."""
        name = normalize_symbol(symbol)
        with self._lock:
            if name not in self.model.feeds():
                raise NotFoundError(f"{name} is not a simulated pair")
            if self.model.position(name) is None:
                raise ConflictError(f"{name} has no open position")
            requested = self.model.request_exit(name, "manual")
            self._write()
            return PositionClosed(name, requested)

    # ----- settings and events -----------------------------------------------------------------

    def settings(self) -> SimulationSettings:
        """The runtime settings (confirm_orders, pending TTL, replay speed, risk)."""
        return self._sim_settings

    def update_settings(self, patch: dict[str, Any]) -> SimulationSettings:
        """Validate and persist a settings patch; `InputError` changes nothing."""
        with self._lock:
            updated = apply_patch(self._sim_settings, patch)
            self.settings_store.save(updated)
            self._sim_settings = updated
            self._pending.ttl_seconds = updated.pending_ttl_seconds
            self.gate.settings = updated.risk
            with self._change():
                self._outbox.append(("status", self.status().to_dict()))
            return updated

    def subscribe(
        self, loop: asyncio.AbstractEventLoop | None = None, maxsize: int | None = None
    ) -> EventSubscription:
        """A bounded event subscription on the caller's event loop."""
        return self.hub.subscribe(loop, maxsize)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit {limit} is outside 1..{MAX_LIMIT}")
    if offset < 0:
        raise InputError(f"offset {offset} must not be negative")


def _signal_record(row: SignalSim) -> SignalRecord:
    """A stored signal as the metrics count it (statuses beyond the backtest's included)."""
    return SignalRecord(
        feed=row.symbol,
        time_ms=row.time_ms,
        side="long" if row.side == "long" else "short",
        entry=row.entry,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit,
        confidence=row.confidence,
        reasons=tuple(row.reasons),
        status=cast(SignalStatus, row.status),
        reason=row.reason,
        qty=row.qty,
    )


def _signal_view(row: SignalSim) -> SignalView:
    return SignalView(
        id=row.id,
        symbol=row.symbol,
        strategy=row.strategy,
        time_ms=row.time_ms,
        side=row.side,
        entry=row.entry,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit,
        confidence=row.confidence,
        reasons=list(row.reasons),
        status=row.status,
        reason=row.reason,
        qty=row.qty,
        order_id=row.order_id,
    )
