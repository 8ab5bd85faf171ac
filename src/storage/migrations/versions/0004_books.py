"""Books: one position per (strategy, symbol), pairs unique per (symbol, strategy).

Engine state rows are keyed by book (`SYMBOL/strategy`) instead of symbol (rows of the
release before are upgraded when the engine loads them), trades and risk events carry
their strategy, signals the circuit breaker that blocked them.

Revision: 0004
Parent: 0003
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Re-key engine state rows by book; add strategy and breaker columns; re-key pairs."""
    with op.batch_alter_table("engine_feeds_sim") as batch:
        batch.alter_column(
            "symbol",
            new_column_name="book",
            existing_type=sa.String(length=32),
            type_=sa.String(length=128),
            existing_nullable=False,
        )
    with op.batch_alter_table("trades_sim") as batch:
        batch.add_column(
            sa.Column("strategy", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("risk_events_sim") as batch:
        batch.add_column(
            sa.Column("strategy", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("signals_sim") as batch:
        batch.add_column(sa.Column("breaker", sa.String(length=32), nullable=True))
    with op.batch_alter_table("pairs") as batch:
        batch.drop_constraint("uq_pairs_symbol", type_="unique")
        batch.create_unique_constraint("uq_pairs_symbol_strategy", ["symbol", "strategy"])


def downgrade() -> None:
    """Back to one pair per symbol and symbol-keyed state rows."""
    with op.batch_alter_table("pairs") as batch:
        batch.drop_constraint("uq_pairs_symbol_strategy", type_="unique")
        batch.create_unique_constraint("uq_pairs_symbol", ["symbol"])
    with op.batch_alter_table("signals_sim") as batch:
        batch.drop_column("breaker")
    with op.batch_alter_table("risk_events_sim") as batch:
        batch.drop_column("strategy")
    with op.batch_alter_table("trades_sim") as batch:
        batch.drop_column("strategy")
    with op.batch_alter_table("engine_feeds_sim") as batch:
        batch.alter_column(
            "book",
            new_column_name="symbol",
            existing_type=sa.String(length=128),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
