"""Tables of research runs: parameter sweeps, their trials and their walk-forward windows.

A sweep row holds the request that started it (so an interrupted sweep resumes exactly),
its job state and its summary; each trial and each walk-forward window is one compact row
(its metrics, never an equity curve of every bar), indexed by sweep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from scalplab.storage.models import Base, utc_now

SWEEP_STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
"""A sweep's job states; `cancelled`, `failed` and `interrupted` sweeps can resume."""


class Sweep(Base):
    """One parameter sweep (optionally walk-forward): its request, state and summary."""

    __tablename__ = "sweeps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    pair: Mapped[str] = mapped_column(String(32))
    strategy: Mapped[str] = mapped_column(String(64))
    strategy_version: Mapped[str | None] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    start: Mapped[datetime]
    end: Mapped[datetime]
    objective: Mapped[str] = mapped_column(String(32))
    sampler: Mapped[str] = mapped_column(String(16))
    engine: Mapped[str] = mapped_column(String(16))
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    tasks_total: Mapped[int] = mapped_column(Integer, default=0)
    tasks_done: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')",
            name="status_valid",
        ),
        Index("ix_sweeps_created_at", "created_at"),
    )


class SweepTrial(Base):
    """One task of a sweep: a screened trial, its Backtrader verification, or the run of a
    window's best params on the window's test range."""

    __tablename__ = "sweep_trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sweep_id: Mapped[str] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"))
    window: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(12))
    objective: Mapped[float | None] = mapped_column(Float)
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    verification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    worker: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("kind IN ('screen', 'verify', 'test')", name="kind_valid"),
        CheckConstraint("status IN ('done', 'failed')", name="status_valid"),
        UniqueConstraint("sweep_id", "window", "kind", "number"),
        Index("ix_sweep_trials_sweep_id_objective", "sweep_id", "objective"),
    )


class SweepWindow(Base):
    """One walk-forward window: its ranges, the best train params and both results."""

    __tablename__ = "sweep_windows"

    sweep_id: Mapped[str] = mapped_column(
        ForeignKey("sweeps.id", ondelete="CASCADE"), primary_key=True
    )
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    train_start: Mapped[datetime]
    train_end: Mapped[datetime]
    test_start: Mapped[datetime | None]
    test_end: Mapped[datetime | None]
    best_number: Mapped[int | None] = mapped_column(Integer)
    best_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    train_score: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    test_score: Mapped[dict[str, Any] | None] = mapped_column(JSON)
