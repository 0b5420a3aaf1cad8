"""paid money per (district, measure), filled from the existing payments

`payment_totals` holds the paid fen and the number of paid parts per (district the claim was
submitted in, measure): the payments page's 已拨付合计 sums the rows of the officer's scope
instead of every payment. `payments.service.mark_paid` keeps it current; this migration fills
it once with the same GROUP BY that `huiqi db rebuild-dashboard` runs.

Revision ID: 0140
Revises: 0120
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0140"
down_revision: str | None = "0120"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_totals",
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("measure_id", sa.String(32), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_parts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("district", "measure_id"),
    )
    from huiqi.platform.payments.totals import rebuild

    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table("payment_totals")
