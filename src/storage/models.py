"""SQLAlchemy models of the application database (configs, pairs, the backtest index).

Portable across SQLite and PostgreSQL: generic column types only, timestamps kept
as UTC (naive in the database, tz-aware in Python). Simulation tables, when they
come, end in `_sim` so paper-trading data stays isolated from everything else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BACKTEST_STATUSES = ("queued", "running", "done", "failed")
KEY_METRICS = (
    "trades",
    "win_rate",
    "net_pnl",
    "return_pct",
    "max_drawdown_pct",
    "profit_factor",
    "sharpe",
)
"""Metrics copied from a result into its `backtests` row (the list view's columns)."""

# Deterministic constraint names, so migrations read the same on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as a tz-aware UTC `datetime`."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive values (ambiguous) and store the UTC wall time."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    """The current time, tz-aware UTC, truncated to microseconds the databases keep."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with the shared naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Pair(Base):
    """A trading pair the dashboard follows, with the strategy that watches it."""

    __tablename__ = "pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(32))
    strategy: Mapped[str] = mapped_column(String(64))
    timeframe: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    __table_args__ = (
        Index("ix_pairs_created_at", "created_at"),
        UniqueConstraint("symbol", "strategy"),
    )


class Backtest(Base):
    """One backtest: its job state while it runs, then the index of its stored result.

    The full result lives in a JSON file (`result_path`, relative to `DATA_DIR`);
    the key metrics are copied here so lists and sorting never open the files.
    `notes` and `tags` are the user's own labels of the run (never part of the result).
    """

    __tablename__ = "backtests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    pair: Mapped[str] = mapped_column(String(32))
    strategy: Mapped[str] = mapped_column(String(64))
    strategy_version: Mapped[str | None] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime]
    end: Mapped[datetime]
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    result_path: Mapped[str | None] = mapped_column(Text)
    trades: Mapped[int | None] = mapped_column(Integer)
    win_rate: Mapped[float | None] = mapped_column(Float)
    net_pnl: Mapped[float | None] = mapped_column(Float)
    return_pct: Mapped[float | None] = mapped_column(Float)
    max_drawdown_pct: Mapped[float | None] = mapped_column(Float)
    profit_factor: Mapped[float | None] = mapped_column(Float)
    result_hash: Mapped[str | None] = mapped_column(String(64))
    degraded: Mapped[list[str | dict[str, object]] | None] = mapped_column(JSON)
    """A line, or `{text, code, params}` (`scalplab.backtests.degraded`)."""
    sharpe: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_valid"),
        Index("ix_backtests_created_at", "created_at"),
        Index("ix_backtests_status", "status"),
        Index("ix_backtests_pair_strategy_timeframe", "pair", "strategy", "timeframe"),
    )
