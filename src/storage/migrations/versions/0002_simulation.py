"""Paper trading: the `_sim` tables of the simulation engine and `app_settings`.

Revision: 0002
Parent: 0001
Created: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the simulation tables, their indexes and `app_settings`."""
    op.create_table(
        "engine_state_sim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("execution", sa.JSON(), nullable=False),
        sa.Column("risk", sa.JSON(), nullable=False),
        sa.Column("cursors", sa.JSON(), nullable=False),
        sa.Column("run", sa.JSON(), nullable=False),
        sa.Column("candles_processed", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_engine_state_sim"),
    )
    op.create_table(
        "orders_sim",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("client_order_id", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders_sim"),
        sa.UniqueConstraint("client_order_id", name="uq_orders_sim_client_order_id"),
    )
    op.create_index("ix_orders_sim_symbol_status", "orders_sim", ["symbol", "status"])
    op.create_index("ix_orders_sim_created_ms", "orders_sim", ["created_ms"])
    op.create_table(
        "pending_sim",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pending_sim"),
    )
    op.create_index("ix_pending_sim_status", "pending_sim", ["status"])
    op.create_index("ix_pending_sim_order_id", "pending_sim", ["order_id"])
    op.create_table(
        "signals_sim",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("entry", sa.Float(), nullable=False),
        sa.Column("stop_loss", sa.Float(), nullable=False),
        sa.Column("take_profit", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_signals_sim"),
    )
    op.create_index("ix_signals_sim_symbol_time_ms", "signals_sim", ["symbol", "time_ms"])
    op.create_table(
        "trades_sim",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("entry_ms", sa.BigInteger(), nullable=False),
        sa.Column("exit_ms", sa.BigInteger(), nullable=False),
        sa.Column("entry_price", sa.Float(), nullable=False),
        sa.Column("exit_price", sa.Float(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("exit_reason", sa.String(length=16), nullable=False),
        sa.Column("fees", sa.Float(), nullable=False),
        sa.Column("funding", sa.Float(), nullable=False),
        sa.Column("slippage", sa.Float(), nullable=False),
        sa.Column("pnl", sa.Float(), nullable=False),
        sa.Column("bars_held", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trades_sim"),
    )
    op.create_index("ix_trades_sim_exit_ms", "trades_sim", ["exit_ms"])
    op.create_table(
        "snapshots_sim",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("equity", sa.Float(), nullable=False),
        sa.Column("cash", sa.Float(), nullable=False),
        sa.Column("unrealised_pnl", sa.Float(), nullable=False),
        sa.Column("open_positions", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots_sim"),
    )
    op.create_index("ix_snapshots_sim_time_ms", "snapshots_sim", ["time_ms"])
    op.create_table(
        "risk_events_sim",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("breaker", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_risk_events_sim"),
    )
    op.create_index("ix_risk_events_sim_time_ms", "risk_events_sim", ["time_ms"])
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_app_settings"),
    )


def downgrade() -> None:
    """Drop every table of this revision (indexes go with them)."""
    op.drop_table("app_settings")
    op.drop_index("ix_risk_events_sim_time_ms", table_name="risk_events_sim")
    op.drop_table("risk_events_sim")
    op.drop_index("ix_snapshots_sim_time_ms", table_name="snapshots_sim")
    op.drop_table("snapshots_sim")
    op.drop_index("ix_trades_sim_exit_ms", table_name="trades_sim")
    op.drop_table("trades_sim")
    op.drop_index("ix_signals_sim_symbol_time_ms", table_name="signals_sim")
    op.drop_table("signals_sim")
    op.drop_index("ix_pending_sim_order_id", table_name="pending_sim")
    op.drop_index("ix_pending_sim_status", table_name="pending_sim")
    op.drop_table("pending_sim")
    op.drop_index("ix_orders_sim_created_ms", table_name="orders_sim")
    op.drop_index("ix_orders_sim_symbol_status", table_name="orders_sim")
    op.drop_table("orders_sim")
    op.drop_table("engine_state_sim")
