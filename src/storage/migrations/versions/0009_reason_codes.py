"""Reasons as codes: a signal's and a risk event's reason code and its parameters.

`signals_sim.reason_code` / `reason_params` and `risk_events_sim.code` / `params` keep,
beside the English `reason` (the CLI and JSON contract), a stable code (`min_rr`,
`daily_loss_limit`, …) and the numbers it names (`{"rr": 2.1, "min": 3}`), so the web UI
says it in the reader's language. Rows written before keep NULL (the text is shown).

Revision: 0009
Parent: 0008
Created: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the code and parameter columns."""
    with op.batch_alter_table("signals_sim") as batch:
        batch.add_column(sa.Column("reason_code", sa.String(48), nullable=True))
        batch.add_column(sa.Column("reason_params", sa.JSON(), nullable=True))
    with op.batch_alter_table("risk_events_sim") as batch:
        batch.add_column(sa.Column("code", sa.String(48), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("risk_events_sim") as batch:
        batch.drop_column("params")
        batch.drop_column("code")
    with op.batch_alter_table("signals_sim") as batch:
        batch.drop_column("reason_params")
        batch.drop_column("reason_code")
