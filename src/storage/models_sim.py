"""SQLAlchemy models of the paper-trading engine (`*_sim` tables) and the app settings.

Everything the simulation writes lives in a table whose name ends in `_sim`, so
`reset()` can wipe exactly those and nothing paper-trading does can leak into
the backtest index or, later, into live trading. The one shared table is
`app_settings` (runtime settings the dashboard changes: order confirmation,
the pending TTL, the replay speed, the risk gate).

Same declarative `Base` and naming convention as `scalplab.storage.models`; bar
times are UTC epoch milliseconds (`BigInteger`, exact on every backend) and
wall-clock times are `UTCDateTime`. Full records are kept as JSON beside the
indexed columns, so a row round-trips without loss.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from scalplab.storage.models import Base, utc_now

ENGINE_STATE_ID = 1
"""The single row of `engine_state_sim`."""


class EngineStateSim(Base):
    """The engine's books and cursors: one row, rewritten with every state change."""

    __tablename__ = "engine_state_sim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    execution: Mapped[dict[str, Any]] = mapped_column(default=dict)
    risk: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cursors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    run: Mapped[dict[str, Any]] = mapped_column(default=dict)
    candles_processed: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class EngineFeedSim(Base):
    """One book's part of the engine state: its positions and orders, ATR window, cursor
    and bar count (`book` = `SYMBOL/strategy`).

    Split from `engine_state_sim` so a state change rewrites only the books it
    touched, not all of them (the global row keeps cash, the risk gate and the run).
    """

    __tablename__ = "engine_feeds_sim"

    book: Mapped[str] = mapped_column(String(128), primary_key=True)
    execution: Mapped[dict[str, Any]] = mapped_column(default=dict)
    atr: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    cursor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bars: Mapped[int] = mapped_column(BigInteger, default=0)


class OrderSim(Base):
    """One paper order; `client_order_id` is unique, so a resubmission cannot add a row.

    `seq` numbers the orders in insertion order (ties of `created_ms` list by it).
    """

    __tablename__ = "orders_sim"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    client_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    symbol: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        Index("ix_orders_sim_symbol_status", "symbol", "status"),
        Index("ix_orders_sim_created_ms", "created_ms"),
        Index("ix_orders_sim_seq", "seq", unique=True),
    )


class PendingSim(Base):
    """An order waiting for a person's confirmation until `expires_at`."""

    __tablename__ = "pending_sim"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (
        Index("ix_pending_sim_status", "status"),
        Index("ix_pending_sim_order_id", "order_id"),
    )


class SignalSim(Base):
    """Every signal a strategy produced, with its fate and the order it became.

    `score` (0..100), `tier`, `variant` and `breakdown` (`{feature: value}`) are the
    strategy's payload; NULL for signals without one (and rows older than 0005).
    """

    __tablename__ = "signals_sim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(32))
    strategy: Mapped[str] = mapped_column(String(64))
    time_ms: Mapped[int] = mapped_column(BigInteger)
    side: Mapped[str] = mapped_column(String(8))
    entry: Mapped[float] = mapped_column(Float)
    stop_loss: Mapped[float] = mapped_column(Float)
    take_profit: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    qty: Mapped[float] = mapped_column(Float, default=0.0)
    order_id: Mapped[str | None] = mapped_column(String(64))
    breaker: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    tier: Mapped[str | None] = mapped_column(Text, nullable=True)
    variant: Mapped[str | None] = mapped_column(Text, nullable=True)
    breakdown: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)
    reason_code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    reason_params: Mapped[dict[str, float | str] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (Index("ix_signals_sim_symbol_time_ms", "symbol", "time_ms"),)


class TradeSim(Base):
    """A closed paper trade (the backtest trade shape plus its symbol)."""

    __tablename__ = "trades_sim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(32))
    strategy: Mapped[str] = mapped_column(String(64), default="", server_default="")
    side: Mapped[str] = mapped_column(String(8))
    entry_ms: Mapped[int] = mapped_column(BigInteger)
    exit_ms: Mapped[int] = mapped_column(BigInteger)
    entry_price: Mapped[float] = mapped_column(Float)
    exit_price: Mapped[float] = mapped_column(Float)
    qty: Mapped[float] = mapped_column(Float)
    exit_reason: Mapped[str] = mapped_column(String(16))
    fees: Mapped[float] = mapped_column(Float)
    funding: Mapped[float] = mapped_column(Float)
    slippage: Mapped[float] = mapped_column(Float)
    pnl: Mapped[float] = mapped_column(Float)
    bars_held: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_trades_sim_exit_ms", "exit_ms"),)


class SnapshotSim(Base):
    """A periodic portfolio snapshot, every `SIM_SNAPSHOT_SECONDS` of bar time."""

    __tablename__ = "snapshots_sim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    equity: Mapped[float] = mapped_column(Float)
    cash: Mapped[float] = mapped_column(Float)
    unrealised_pnl: Mapped[float] = mapped_column(Float)
    open_positions: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_snapshots_sim_time_ms", "time_ms"),)


class RiskEventSim(Base):
    """A signal or order a circuit breaker blocked, with the breaker and its reason."""

    __tablename__ = "risk_events_sim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str] = mapped_column(String(32))
    strategy: Mapped[str] = mapped_column(String(64), default="", server_default="")
    breaker: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    signal_id: Mapped[int | None] = mapped_column(Integer)
    scope: Mapped[str | None] = mapped_column(String(16))
    effect: Mapped[str | None] = mapped_column(String(32))
    until_ms: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    params: Mapped[dict[str, float | str] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (Index("ix_risk_events_sim_time_ms", "time_ms"),)


class AppSetting(Base):
    """One runtime setting changed from the dashboard (not simulation data: survives reset)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


SIM_TABLES: tuple[type[Base], ...] = (
    EngineStateSim,
    EngineFeedSim,
    OrderSim,
    PendingSim,
    SignalSim,
    TradeSim,
    SnapshotSim,
    RiskEventSim,
)
"""Every simulation table: what `reset()` wipes."""

__all__ = [
    "ENGINE_STATE_ID",
    "SIM_TABLES",
    "AppSetting",
    "EngineFeedSim",
    "EngineStateSim",
    "OrderSim",
    "PendingSim",
    "RiskEventSim",
    "SignalSim",
    "SnapshotSim",
    "TradeSim",
]
