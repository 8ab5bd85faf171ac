"""The engine's persistence: one transaction per state change over the `_sim` tables.

The engine state is one global row (`engine_state_sim`: cash, the risk gate,
the run) plus one row per book (`engine_feeds_sim`: its position and orders, ATR
window, cursor and bar count); a change rewrites the global row and the rows of
the books it touched, and `load_state` puts the whole state back together.

`SimStore.unit()` is a re-entrant unit of work per thread: the engine's journal
opens one around a state change (a bar, a burst of bars, a confirmation), the SQL
repositories of the order queue and the pending list
(`scalplab.simulation.repositories`) join its transaction through `transaction()`,
and the engine state rows are rewritten in the same transaction, so the books and
the rows they describe are committed together or not at all (a `kill -9` can only
lose a change that was never acknowledged).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from scalplab.limits import check_offset
from scalplab.orders.models import ExitReason, Trade
from scalplab.storage.db import Database
from scalplab.storage.models import utc_now
from scalplab.storage.models_sim import (
    ENGINE_STATE_ID,
    SIM_TABLES,
    EngineFeedSim,
    EngineStateSim,
    RiskEventSim,
    SignalSim,
    SnapshotSim,
    TradeSim,
)

_STATE = cast(Table, EngineStateSim.__table__)
_FEEDS = cast(Table, EngineFeedSim.__table__)
_SIGNALS = cast(Table, SignalSim.__table__)


@dataclass(slots=True)
class BookRow:
    """One book's part of the engine state (a row of `engine_feeds_sim`)."""

    execution: dict[str, Any]
    atr: dict[str, Any] | None
    cursor: int | None
    bars: int


@dataclass(slots=True)
class StoredState:
    """What `engine_state_sim` holds: the books, the risk gate, cursors and the run."""

    execution: dict[str, Any] = field(default_factory=dict)
    risk: dict[str, Any] = field(default_factory=dict)
    cursors: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)
    candles_processed: int = 0
    version: int = 0


class SimStore:
    """Reads and writes of the simulation tables, grouped into per-thread transactions."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._local = threading.local()

    @contextmanager
    def unit(self) -> Iterator[None]:
        """A unit of work on this thread: every `transaction()` inside it joins one
        database transaction, begun at the first statement and committed when the unit
        ends (rolled back if it raises). Re-entrant: an inner unit joins the outer one."""
        local = self._local
        if getattr(local, "unit", None) is not None:
            yield
            return
        with ExitStack() as stack:
            local.unit = stack
            try:
                yield
            finally:
                local.unit = None
                local.session = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """The current thread's open transaction, or a new one committed at the end."""
        local = self._local
        current: Session | None = getattr(local, "session", None)
        if current is not None:
            yield current
            return
        unit: ExitStack | None = getattr(local, "unit", None)
        if unit is not None:
            local.session = unit.enter_context(self.database.session())
            yield local.session
            return
        with self.database.session() as session:
            local.session = session
            try:
                yield session
            finally:
                local.session = None

    # ----- engine state ----------------------------------------------------------

    def load_state(self) -> StoredState | None:
        """The stored engine state, the pairs' rows merged in; None on a fresh database."""
        with self.transaction() as session:
            row = session.get(EngineStateSim, ENGINE_STATE_ID)
            if row is None:
                return None
            state = StoredState(
                execution=dict(row.execution),
                risk=dict(row.risk),
                cursors=dict(row.cursors),
                run=dict(row.run),
                candles_processed=int(row.candles_processed),
                version=int(row.version),
            )
            books = state.execution.setdefault("books", state.execution.pop("feeds", {}))
            atr = state.risk.get("atr")
            bars = state.run.setdefault("bars", {})
            for book in session.scalars(select(EngineFeedSim)):
                books[book.book] = book.execution
                if atr is not None and book.atr is not None:
                    atr.setdefault("books", atr.pop("symbols", {}))[book.book] = book.atr
                if book.cursor is not None:
                    state.cursors[book.book] = book.cursor
                bars[book.book] = book.bars
            return state

    def save_books(self, session: Session, books: dict[str, BookRow]) -> None:
        """Upsert the rows of these books inside `session`."""
        if not books:
            return
        stored = set(
            session.scalars(select(EngineFeedSim.book).where(EngineFeedSim.book.in_(books)))
        )
        rows = [
            {
                "book": name,
                "execution": row.execution,
                "atr": row.atr,
                "cursor": row.cursor,
                "bars": row.bars,
            }
            for name, row in books.items()
        ]
        updates = [
            {"key": name, **{k: v for k, v in row.items() if k != "book"}}
            for row in rows
            if (name := row["book"]) in stored
        ]
        inserts = [row for row in rows if row["book"] not in stored]
        if updates:
            # Core executemany: the ORM's bulk update costs several times more per change.
            table = _FEEDS
            session.execute(
                update(table)
                .where(table.c.book == bindparam("key"))
                .values(
                    execution=bindparam("execution"),
                    atr=bindparam("atr"),
                    cursor=bindparam("cursor"),
                    bars=bindparam("bars"),
                ),
                updates,
            )
        if inserts:
            session.execute(insert(_FEEDS), inserts)

    def save_state(self, session: Session, state: StoredState) -> None:
        """Rewrite the global engine state row inside `session` (one UPDATE; the old row
        is never read back, so its JSON is not decoded on every change)."""
        values = {
            "execution": state.execution,
            "risk": state.risk,
            "cursors": state.cursors,
            "run": state.run,
            "candles_processed": state.candles_processed,
            "version": state.version,
            "updated_at": utc_now(),
        }
        table = _STATE
        statement = update(table).where(table.c.id == ENGINE_STATE_ID).values(**values)
        if not cast(CursorResult[Any], session.execute(statement)).rowcount:
            session.execute(insert(table).values(id=ENGINE_STATE_ID, **values))

    def reset(self) -> None:
        """Delete every row of every `_sim` table (and nothing else)."""
        with self.transaction() as session:
            for table in SIM_TABLES:
                session.execute(delete(table))

    # ----- rows ---------------------------------------------------------------------

    @staticmethod
    def add_signal(session: Session, row: SignalSim) -> SignalSim:
        """Insert a signal row; its id is assigned at once."""
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def settle_signal(session: Session, order_id: str, status: str, reason: str) -> None:
        """A signal that waited for confirmation: its final fate, once its order's is known."""
        session.execute(
            update(_SIGNALS)
            .where(_SIGNALS.c.order_id == order_id, _SIGNALS.c.status == "pending")
            .values(status=status, reason=reason)
        )

    @staticmethod
    def add_trade(session: Session, trade: Trade) -> None:
        """Insert a closed trade."""
        session.add(
            TradeSim(
                symbol=trade.symbol,
                strategy=trade.strategy,
                side=trade.side,
                entry_ms=trade.entry_ms,
                exit_ms=trade.exit_ms,
                entry_price=trade.entry_price,
                exit_price=trade.exit_price,
                qty=trade.qty,
                exit_reason=trade.exit_reason,
                fees=trade.fees,
                funding=trade.funding,
                slippage=trade.slippage,
                pnl=trade.pnl,
                bars_held=trade.bars_held,
            )
        )

    def signals(self, symbol: str | None, limit: int | None) -> list[SignalSim]:
        """Newest signals first (optionally of one symbol); all with `limit=None`."""
        with self.transaction() as session:
            query = select(SignalSim).order_by(SignalSim.id.desc()).limit(limit)
            if symbol is not None:
                query = query.where(SignalSim.symbol == symbol)
            return list(session.scalars(query))

    def newest_signals(self, depth: int) -> list[SignalSim]:
        """The newest `depth` signals of every symbol, oldest first."""
        ranked = select(
            SignalSim.id,
            func.row_number()
            .over(partition_by=SignalSim.symbol, order_by=SignalSim.id.desc())
            .label("rank"),
        ).subquery()
        with self.transaction() as session:
            query = (
                select(SignalSim)
                .join(ranked, ranked.c.id == SignalSim.id)
                .where(ranked.c.rank <= depth)
                .order_by(SignalSim.id)
            )
            return list(session.scalars(query))

    def signal(self, signal_id: int) -> SignalSim | None:
        """One signal row by id."""
        with self.transaction() as session:
            return session.get(SignalSim, signal_id)

    def trades(self, limit: int | None, offset: int) -> list[Trade]:
        """Closed trades, newest first (exit time, then insertion); all with `limit=None`."""
        check_offset(offset)
        with self.transaction() as session:
            query = (
                select(TradeSim)
                .order_by(TradeSim.exit_ms.desc(), TradeSim.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [_trade(row) for row in session.scalars(query)]

    def trade_count(self) -> int:
        """How many trades are stored."""
        with self.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(TradeSim)) or 0)

    def signals_between(
        self, start_ms: int, end_ms: int, strategy: str | None = None
    ) -> list[SignalSim]:
        """Signals of bars opening in `[start_ms, end_ms)` (of one strategy, if given),
        oldest first."""
        with self.transaction() as session:
            query = (
                select(SignalSim)
                .where(SignalSim.time_ms >= start_ms, SignalSim.time_ms < end_ms)
                .order_by(SignalSim.time_ms, SignalSim.id)
            )
            if strategy is not None:
                query = query.where(SignalSim.strategy == strategy)
            return list(session.scalars(query))

    def trades_between(
        self, start_ms: int, end_ms: int, strategy: str | None = None
    ) -> list[Trade]:
        """Trades exiting in `[start_ms, end_ms)` (of one strategy, if given), in exit order."""
        with self.transaction() as session:
            query = (
                select(TradeSim)
                .where(TradeSim.exit_ms >= start_ms, TradeSim.exit_ms < end_ms)
                .order_by(TradeSim.exit_ms, TradeSim.id)
            )
            if strategy is not None:
                query = query.where(TradeSim.strategy == strategy)
            return [_trade(row) for row in session.scalars(query)]

    def risk_events(self, limit: int | None, strategy: str | None = None) -> list[RiskEventSim]:
        """Newest risk events first (of one strategy, if given); all with `limit=None`."""
        with self.transaction() as session:
            query = select(RiskEventSim).order_by(RiskEventSim.id.desc()).limit(limit)
            if strategy is not None:
                query = query.where(RiskEventSim.strategy == strategy)
            return list(session.scalars(query))

    def snapshots(self) -> list[SnapshotSim]:
        """Every portfolio snapshot, oldest first."""
        with self.transaction() as session:
            return list(session.scalars(select(SnapshotSim).order_by(SnapshotSim.time_ms)))


def _trade(row: TradeSim) -> Trade:
    return Trade(
        symbol=row.symbol,
        strategy=row.strategy,
        side="long" if row.side == "long" else "short",
        entry_ms=row.entry_ms,
        exit_ms=row.exit_ms,
        entry_price=row.entry_price,
        exit_price=row.exit_price,
        qty=row.qty,
        exit_reason=cast(ExitReason, row.exit_reason),
        fees=row.fees,
        funding=row.funding,
        slippage=row.slippage,
        pnl=row.pnl,
        bars_held=row.bars_held,
    )
