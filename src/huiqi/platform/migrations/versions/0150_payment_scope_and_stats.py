"""payments carry their claim's district and measure; application counts per measure and status
kept by the database

`payments.district` / `payments.measure_id`: the district the claim was submitted in and its
measure, copied when the payment is scheduled (neither changes after submission). A district
officer's payments list then reads one keyset page of `(district, id)` instead of walking every
payment newest first and looking up each one's application; a city bureau's reads
`(measure_id, id)`. Filled here from the applications.

`application_stats`: applications and decided fen per (measure, status), drafts left out,
kept by triggers on `applications` in the writing transaction (see applications/stats.py), so
`GET /api/v1/applications/stats` reads a few dozen rows instead of grouping every
application. Filled here with the same GROUP BY that `huiqi db rebuild-dashboard` runs.

Revision ID: 0150
Revises: 0140
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0150"
down_revision: str | None = "0140"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN with a constant default: no table rewrite on either dialect
    op.add_column(
        "payments", sa.Column("district", sa.String(64), nullable=False, server_default="")
    )
    op.add_column(
        "payments", sa.Column("measure_id", sa.String(32), nullable=False, server_default="")
    )
    op.execute(
        "UPDATE payments SET "
        "district = coalesce((SELECT a.district FROM applications a "
        "WHERE a.id = payments.application_id), ''), "
        "measure_id = (SELECT a.measure_id FROM applications a "
        "WHERE a.id = payments.application_id)"
    )
    op.create_index("ix_payments_district_id", "payments", ["district", "id"])
    op.create_index("ix_payments_measure_id_id", "payments", ["measure_id", "id"])

    op.create_table(
        "application_stats",
        sa.Column("measure_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure_id", "status"),
    )
    from huiqi.platform.applications import stats

    bind = op.get_bind()
    for statement in stats.install_statements(bind.dialect.name):
        op.execute(statement)
    stats.rebuild(Session(bind=bind))


def downgrade() -> None:
    from huiqi.platform.applications import stats

    for statement in stats.remove_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("application_stats")
    op.drop_index("ix_payments_measure_id_id", table_name="payments")
    op.drop_index("ix_payments_district_id", table_name="payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("measure_id")
        batch.drop_column("district")
