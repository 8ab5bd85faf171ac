"""Degraded runs in the backtest list; a breaker's scope, effect and end on its events.

`backtests.degraded` copies the result's `degraded` list (each declared market data a
run substituted or lacked) so the list can badge a degraded run without opening its file;
rows written before keep NULL, read as "not degraded" (degraded mode came with 0005's
issue, after which every run writes the column).
`risk_events_sim` gains the scope a breaker acted on (`global`, `strategy`, `symbol`),
its effect (`block_signal`, `block_scope`, `pause`, `pause_until`, …) and the bar time
until which it holds; rows written before keep NULL (a plain blocked signal).

Revision: 0006
Parent: 0005
Created: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `backtests.degraded` and the breaker columns of `risk_events_sim`."""
    with op.batch_alter_table("backtests") as batch:
        batch.add_column(sa.Column("degraded", sa.JSON(), nullable=True))
    with op.batch_alter_table("risk_events_sim") as batch:
        batch.add_column(sa.Column("scope", sa.String(16), nullable=True))
        batch.add_column(sa.Column("effect", sa.String(32), nullable=True))
        batch.add_column(sa.Column("until_ms", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("risk_events_sim") as batch:
        batch.drop_column("until_ms")
        batch.drop_column("effect")
        batch.drop_column("scope")
    with op.batch_alter_table("backtests") as batch:
        batch.drop_column("degraded")
