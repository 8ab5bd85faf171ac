"""The engine's persistence: one transaction per state change over the `_sim` tables.

`SimStore.transaction()` is a re-entrant unit of work per thread: the engine
opens one around a state change, the SQL repositories of the order queue and
the pending list (`src.simulation.repositories`) join it, and the engine state
row is rewritten in the same transaction, so the books and the rows they
describe are committed together or not at all (a `kill -9` can only lose a
change that was never acknowledged).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from src.orders.models import Trade
from src.storage.db import Database
from src.storage.models import utc_now
from src.storage.models_sim import (
    ENGINE_STATE_ID,
    SIM_TABLES,
    EngineStateSim,
    RiskEventSim,
    SignalSim,
    SnapshotSim,
    TradeSim,
)


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
    def transaction(self) -> Iterator[Session]:
        """The current thread's open transaction, or a new one committed at the end."""
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        with self.database.session() as session:
            self._local.session = session
            try:
                yield session
            finally:
                self._local.session = None

    # ----- engine state ----------------------------------------------------------

    def load_state(self) -> StoredState | None:
        """The stored engine state, or None on a fresh database."""
        with self.transaction() as session:
            row = session.get(EngineStateSim, ENGINE_STATE_ID)
            if row is None:
                return None
            return StoredState(
                execution=dict(row.execution),
                risk=dict(row.risk),
                cursors=dict(row.cursors),
                run=dict(row.run),
                candles_processed=int(row.candles_processed),
                version=int(row.version),
            )

    def save_state(self, session: Session, state: StoredState) -> None:
        """Rewrite the engine state row inside `session`."""
        row = session.get(EngineStateSim, ENGINE_STATE_ID)
        if row is None:
            row = EngineStateSim(id=ENGINE_STATE_ID)
            session.add(row)
        row.execution = state.execution
        row.risk = state.risk
        row.cursors = state.cursors
        row.run = state.run
        row.candles_processed = state.candles_processed
        row.version = state.version
        row.updated_at = utc_now()

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
    def add_trade(session: Session, trade: Trade) -> None:
        """Insert a closed trade."""
        session.add(
            TradeSim(
                symbol=trade.feed,
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

    def signal(self, signal_id: int) -> SignalSim | None:
        """One signal row by id."""
        with self.transaction() as session:
            return session.get(SignalSim, signal_id)

    def trades(self, limit: int | None, offset: int) -> list[TradeSim]:
        """Closed trades, newest first (exit time, then insertion); all with `limit=None`."""
        with self.transaction() as session:
            query = (
                select(TradeSim)
                .order_by(TradeSim.exit_ms.desc(), TradeSim.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return list(session.scalars(query))

    def trade_count(self) -> int:
        """How many trades are stored."""
        with self.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(TradeSim)) or 0)

    def risk_events(self, limit: int) -> list[RiskEventSim]:
        """Newest risk events first."""
        with self.transaction() as session:
            query = select(RiskEventSim).order_by(RiskEventSim.id.desc()).limit(limit)
            return list(session.scalars(query))

    def snapshots(self) -> list[SnapshotSim]:
        """Every portfolio snapshot, oldest first."""
        with self.transaction() as session:
            return list(session.scalars(select(SnapshotSim).order_by(SnapshotSim.time_ms)))
