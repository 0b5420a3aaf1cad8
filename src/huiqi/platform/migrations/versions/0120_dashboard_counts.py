"""the dashboard's rollup table, filled from the existing applications

`dashboard_counts` holds the number of applications and the awarded amount per (fiscal year,
status, Beijing month of submission, firm's district and Beijing month of the latest decision
to support — both only for awarded applications). The application writers keep it current;
this migration fills it once with the same GROUP BY that `huiqi db rebuild-dashboard` runs.

Revision ID: 0120
Revises: 0070
Create Date: 2026-12-01 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0120"
down_revision: str | None = "0070"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_counts",
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("submitted_month", sa.String(7), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("approved_month", sa.String(7), nullable=False),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "fiscal_year", "status", "submitted_month", "district", "approved_month"
        ),
    )
    from huiqi.platform.dashboard.rollup import rebuild

    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table("dashboard_counts")
