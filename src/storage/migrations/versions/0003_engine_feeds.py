"""Paper trading: per-pair engine state rows (`engine_feeds_sim`), an index on order `seq`.

Revision: 0003
Parent: 0002
Created: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `engine_feeds_sim` (a state row stored before keeps its pairs inline)."""
    op.create_table(
        "engine_feeds_sim",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("execution", sa.JSON(), nullable=False),
        sa.Column("atr", sa.JSON(), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=True),
        sa.Column("bars", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("symbol", name="pk_engine_feeds_sim"),
    )
    # The next order's `seq` is max(seq) + 1: without an index that scanned every order.
    op.create_index("ix_orders_sim_seq", "orders_sim", ["seq"], unique=True)


def downgrade() -> None:
    """Drop `engine_feeds_sim` and the `seq` index."""
    op.drop_index("ix_orders_sim_seq", table_name="orders_sim")
    op.drop_table("engine_feeds_sim")
