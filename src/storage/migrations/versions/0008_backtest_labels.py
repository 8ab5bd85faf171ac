"""The user's labels of a backtest and its Sharpe ratio in the list.

`backtests.notes` (free text, '' by default) and `backtests.tags` (a JSON list of short
labels, [] by default) let the results table be annotated, filtered and compared;
`backtests.sharpe` copies the result's Sharpe ratio like the other key metrics, so the
list sorts by it (rows indexed before keep NULL, shown as "—").

Revision: 0008
Parent: 0007
Created: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `backtests.sharpe`, `backtests.notes` and `backtests.tags`."""
    with op.batch_alter_table("backtests") as batch:
        batch.add_column(sa.Column("sharpe", sa.Float(), nullable=True))
        batch.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("backtests") as batch:
        batch.drop_column("tags")
        batch.drop_column("notes")
        batch.drop_column("sharpe")
