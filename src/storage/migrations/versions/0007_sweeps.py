"""Parameter sweeps: the `sweeps`, `sweep_trials` and `sweep_windows` tables.

Revision: 0007
Parent: 0006
Created: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the three research tables."""
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pair", sa.String(32), nullable=False),
        sa.Column("strategy", sa.String(64), nullable=False),
        sa.Column("strategy_version", sa.String(32), nullable=True),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("objective", sa.String(32), nullable=False),
        sa.Column("sampler", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("tasks_total", sa.Integer(), nullable=False),
        sa.Column("tasks_done", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')",
            name="ck_sweeps_status_valid",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sweeps"),
    )
    op.create_index("ix_sweeps_created_at", "sweeps", ["created_at"])
    op.create_table(
        "sweep_trials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sweep_id", sa.String(64), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("path", sa.String(12), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("score", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("verification", sa.JSON(), nullable=True),
        sa.Column("worker", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('screen', 'verify', 'test')", name="ck_sweep_trials_kind_valid"
        ),
        sa.CheckConstraint("status IN ('done', 'failed')", name="ck_sweep_trials_status_valid"),
        sa.ForeignKeyConstraint(
            ["sweep_id"], ["sweeps.id"], name="fk_sweep_trials_sweep_id_sweeps", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sweep_trials"),
        sa.UniqueConstraint(
            "sweep_id",
            "window",
            "kind",
            "number",
            name="uq_sweep_trials_sweep_id_window_kind_number",
        ),
    )
    op.create_index("ix_sweep_trials_sweep_id_objective", "sweep_trials", ["sweep_id", "objective"])
    op.create_table(
        "sweep_windows",
        sa.Column("sweep_id", sa.String(64), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("train_start", sa.DateTime(), nullable=False),
        sa.Column("train_end", sa.DateTime(), nullable=False),
        sa.Column("test_start", sa.DateTime(), nullable=True),
        sa.Column("test_end", sa.DateTime(), nullable=True),
        sa.Column("best_number", sa.Integer(), nullable=True),
        sa.Column("best_params", sa.JSON(), nullable=True),
        sa.Column("train_score", sa.JSON(), nullable=True),
        sa.Column("test_score", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sweep_id"], ["sweeps.id"], name="fk_sweep_windows_sweep_id_sweeps", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("sweep_id", "window", name="pk_sweep_windows"),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("sweep_windows")
    op.drop_index("ix_sweep_trials_sweep_id_objective", table_name="sweep_trials")
    op.drop_table("sweep_trials")
    op.drop_index("ix_sweeps_created_at", table_name="sweeps")
    op.drop_table("sweeps")
