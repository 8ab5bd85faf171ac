"""Signal payload: a signal's score, tier, variant and feature breakdown.

Four nullable columns on `signals_sim`; rows written before keep NULL (no payload),
which every reader shows as "no score" and an empty breakdown.

Revision: 0005
Parent: 0004
Created: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the payload columns of `signals_sim`."""
    with op.batch_alter_table("signals_sim") as batch:
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("tier", sa.Text(), nullable=True))
        batch.add_column(sa.Column("variant", sa.Text(), nullable=True))
        batch.add_column(sa.Column("breakdown", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop the payload columns."""
    with op.batch_alter_table("signals_sim") as batch:
        batch.drop_column("breakdown")
        batch.drop_column("variant")
        batch.drop_column("tier")
        batch.drop_column("score")
