"""The paper engine's read model: what the API and a bot ask about the portfolio.

Portfolio totals and open positions are recomputed after a committed unit of work that
wrote something, and at least every `VIEW_REFRESH_INTERVAL` while only prices move
(`committed`, called by the journal); readers get that snapshot without waiting for the
engine lock — a stale view is recomputed on read only when the lock is free — so a
burst of bars never waits for a reader and a reader never waits for a burst.
The newest signals overall and of each symbol are kept in memory (`RecentSignals`, current after
every commit); trades, orders, risk events and older signals are read from their `_sim`
rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import cast

from scalplab.data.symbols import normalize_symbol
from scalplab.limits import check_page
from scalplab.orders.gating import open_books
from scalplab.orders.metrics import Metrics, metrics_of
from scalplab.orders.models import SignalFate, SignalRecord, Trade
from scalplab.orders.pending import PendingView
from scalplab.orders.risk_records import OpenBook
from scalplab.orders.types import Order
from scalplab.simulation.account import PaperAccount
from scalplab.simulation.funnel import SignalFunnel, signal_funnel
from scalplab.simulation.pending_market import with_market
from scalplab.simulation.recent_signals import RecentSignals, SignalChange
from scalplab.simulation.recorder import risk_event_view, signal_view
from scalplab.simulation.scores import ScoreboardRow, ScoreHistogram, histogram, scoreboard
from scalplab.simulation.store import SimStore
from scalplab.simulation.views import (
    Portfolio,
    PositionView,
    RiskEventView,
    SignalView,
    TradeView,
    positions_of,
)
from scalplab.storage.models_sim import SignalSim


@dataclass(frozen=True, slots=True)
class OpenRisk:
    """The account's open risk as the portfolio-heat breaker measures it: the equity, the
    busy books with their risk (`scalplab.orders.gating.open_books`), the open positions
    and the strategies of the engine's pairs, read together under the engine lock."""

    equity: float
    books: tuple[OpenBook, ...]
    positions: tuple[PositionView, ...]
    strategies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EquityCurve:
    """The equity over the run: the snapshots and the last bar's equity, the initial
    capital and the equity now."""

    points: tuple[tuple[int, float], ...]
    initial: float
    final: float


class ReadModel:
    """Queries over the paper portfolio."""

    def __init__(
        self,
        account: PaperAccount,
        store: SimStore,
        lock: threading.RLock,
    ) -> None:
        self.account = account
        self.store = store
        self.lock = lock
        self._view_lock = threading.Lock()
        self._portfolio: Portfolio | None = None
        self._positions: list[PositionView] = []
        self._stale = True
        self.recent = RecentSignals(store)

    def committed(self, refresh: bool, signals: list[SignalChange]) -> None:
        """A unit of work committed (the journal calls this, holding the engine lock);
        `signals`: what it did to the signals."""
        if signals:
            self.recent.apply(signals)
        if refresh:
            self.refresh()
        else:
            self._stale = True

    def refresh(self) -> None:
        """Recompute the portfolio view (the caller holds the engine lock)."""
        account = self.account
        portfolio = account.portfolio(account.last_bar_ms)
        positions = positions_of(account.model, account.marks)
        with self._view_lock:
            self._portfolio = portfolio
            self._positions = positions
            self._stale = False

    def portfolio(self) -> Portfolio:
        """Portfolio totals as of the last commit (no database; never waits for a burst)."""
        if (self._stale or self._portfolio is None) and self.lock.acquire(
            blocking=self._portfolio is None
        ):
            try:
                self.refresh()
            finally:
                self.lock.release()
        with self._view_lock:
            assert self._portfolio is not None
            return self._portfolio

    def positions(self) -> list[PositionView]:
        """Open positions as of the last commit."""
        self.portfolio()
        with self._view_lock:
            return list(self._positions)

    def trades(self, limit: int = 100, offset: int = 0) -> list[TradeView]:
        """Closed trades, newest exit first."""
        check_page(limit, offset)
        return [TradeView(trade) for trade in self.store.trades(limit, offset)]

    def signals(self, symbol: str | None = None, limit: int = 100) -> list[SignalView]:
        """Newest signals first, with their fate (from memory when it holds them)."""
        check_page(limit, 0)
        name = None if symbol is None else normalize_symbol(symbol)
        if self.recent.holds(name, limit):
            return self.recent.newest(name, limit)
        return [signal_view(row) for row in self.store.signals(name, limit)]

    def scoreboard(self, limit: int = 100, strategy: str | None = None) -> list[ScoreboardRow]:
        """The newest scored signal of each (symbol, strategy), best score first."""
        return scoreboard(self.store, limit, strategy)

    def score_histogram(
        self, bins: int = 10, strategy: str | None = None, symbol: str | None = None
    ) -> ScoreHistogram:
        """The stored signals' scores in `bins` equal-width bins over 0..100."""
        return histogram(self.store, bins, strategy, symbol)

    def risk_events(self, limit: int = 100, strategy: str | None = None) -> list[RiskEventView]:
        """Newest circuit-breaker blocks first (of one strategy, if given)."""
        check_page(limit, 0)
        return [risk_event_view(row) for row in self.store.risk_events(limit, strategy)]

    def signals_between(
        self, start_ms: int, end_ms: int, strategy: str | None = None
    ) -> list[SignalView]:
        """Signals of bars opening in `[start_ms, end_ms)`, oldest first."""
        return [signal_view(row) for row in self.store.signals_between(start_ms, end_ms, strategy)]

    def trades_between(
        self, start_ms: int, end_ms: int, strategy: str | None = None
    ) -> list[Trade]:
        """Trades exiting in `[start_ms, end_ms)`, in exit order."""
        return self.store.trades_between(start_ms, end_ms, strategy)

    def open_risk(self) -> OpenRisk:
        """The equity, the busy books with their open risk, the positions and the pairs'
        strategies, as one consistent read (takes the engine lock)."""
        with self.lock:
            account = self.account
            venue = account.sandbox.venue
            books = open_books(venue, account.queue, account.confirmations)
            positions = positions_of(account.model, account.marks)
            strategies = tuple(sorted({pair.strategy for pair in account.pairs.values()}))
            return OpenRisk(venue.equity(), books, tuple(positions), strategies)

    def equity_curve(self) -> EquityCurve:
        """The snapshots' equity and the equity at the last bar (takes the engine lock)."""
        with self.lock:
            account = self.account
            points = [(row.time_ms, row.equity) for row in self.store.snapshots()]
            final = account.model.equity
            last = account.last_bar_ms
            if last is not None and (not points or points[-1][0] < last):
                points.append((last, final))
            return EquityCurve(tuple(points), account.initial_capital, final)

    def orders(self, limit: int = 100, offset: int = 0) -> list[Order]:
        """Orders of the queue, newest first."""
        return self.account.queue.list(limit, offset)

    def order(self, order_id: str) -> Order:
        """One order (`NotFoundError` when unknown)."""
        return self.account.queue.get(order_id)

    def order_by_client_id(self, client_order_id: str) -> Order | None:
        """The order carrying `client_order_id`, if one was queued."""
        return self.account.queue.get_by_client_id(client_order_id)

    def pending(self, warn_pct: float | None = None) -> list[PendingView]:
        """Open confirmations with their countdown; given `warn_pct` (the price-move warning
        threshold, %), each with the market now (`with_market`: single reads of the book's
        last bar and the run, so no wait for the engine lock during a burst of bars)."""
        views = self.account.pending.list()
        if warn_pct is None:
            return views
        return [with_market(self.account, view, warn_pct) for view in views]

    def funnel(self, symbol: str | None, strategy: str | None) -> SignalFunnel:
        """What became of the stored signals (of one symbol and/or strategy)."""
        return signal_funnel(self.store, symbol, strategy)

    def performance(self) -> dict[str, object]:
        """Metrics over the simulation as JSON (`metrics().to_dict()`)."""
        return self.metrics().to_dict()

    def metrics(self) -> Metrics:
        """Metrics over the simulation (`metrics_of`, equity from the snapshots)."""
        with self.lock:
            account = self.account
            model = account.model
            trades = sorted(model.trades, key=lambda t: (t.exit_ms, t.book))
            curve = self.equity_curve()
            records = [signal_record(row) for row in self.store.signals(None, None)]
            return metrics_of(
                trades,
                list(curve.points),
                records,
                model.totals(),
                account.initial_capital,
                curve.final,
            )


def signal_record(row: SignalSim, block: RiskEventView | None = None) -> SignalRecord:
    """A stored signal as a run's record (what the metrics count); `block`, the risk event
    of a blocked signal, gives the scope, effect and end of its breaker's hold."""
    return SignalRecord(
        symbol=row.symbol,
        strategy=row.strategy,
        time_ms=row.time_ms,
        side="long" if row.side == "long" else "short",
        entry=row.entry,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit,
        confidence=row.confidence,
        reasons=tuple(row.reasons),
        status=cast(SignalFate, row.status),
        reason=row.reason,
        qty=row.qty,
        breaker=row.breaker,
        order_id=row.order_id,
        score=row.score,
        tier=row.tier,
        variant=row.variant,
        breakdown=dict(row.breakdown or {}),
        scope=None if block is None else block.scope,
        effect=None if block is None else block.effect,
        until_ms=None if block is None else block.until_ms,
        reason_code=row.reason_code,
        reason_params=dict(row.reason_params or {}),
    )
