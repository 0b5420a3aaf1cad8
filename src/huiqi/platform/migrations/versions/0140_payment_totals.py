"""paid money per (district, measure), filled from the existing payments; an index for a
city bureau's queue total

`payment_totals` holds the paid fen and the number of paid parts per (district the claim was
submitted in, measure): the payments page's 已拨付合计 sums the rows of the officer's scope
instead of every payment. `payments.service.mark_paid` keeps it current; this migration fills
it once with the same GROUP BY that `huiqi db rebuild-dashboard` runs.

`ix_applications_status_measure_id`: a city officer's 待我办理 total counts the waiting
applications of their measures up to 1000; with (status, measure_id) in one index that is an
index-only scan stopping at the 1001st entry, instead of a bitmap of every waiting application
of every measure.

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
    op.create_index(
        "ix_applications_status_measure_id", "applications", ["status", "measure_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_applications_status_measure_id", table_name="applications")
    op.drop_table("payment_totals")
