"""lifecycle: application rounds, the district frozen at submission, checked objections

* `application_rounds` (申报批次): a measure opened for one fiscal year between two dates;
  `applications.round_id` names the round a submission went into.
* `applications.district`: the firm's district when it submitted (routes district review and
  the district share of payment), back-filled from the firm's current district;
  `applications.first_submitted_at` (back-filled from the earliest archived version, else the
  row) and `applications.application_date` (申报日, the Beijing submission date).
* `objections.status/decision_reason/decided_by/decided_at`: an officer decides each objection
  (pending -> upheld | dismissed); existing objections were acted on at once, so they are
  recorded as upheld. `objections.client_address` for per-address limits.

Plain ADD COLUMN / CREATE TABLE: no table rebuild, safe on SQLite with foreign keys on.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-01 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.String(length=32), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_rounds")),
    )
    op.create_index(op.f("ix_application_rounds_measure_id"), "application_rounds", ["measure_id"])
    # ADD COLUMN only; round_id is a plain integer (no foreign key: SQLite cannot add one
    # without rebuilding `applications`, which other tables reference)
    op.add_column("applications", sa.Column("district", sa.String(length=64), nullable=True))
    op.add_column("applications", sa.Column("round_id", sa.Integer(), nullable=True))
    op.add_column(
        "applications",
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("applications", sa.Column("application_date", sa.Date(), nullable=True))
    op.create_index(op.f("ix_applications_district"), "applications", ["district"])
    op.create_index(op.f("ix_applications_round_id"), "applications", ["round_id"])
    op.execute(
        "UPDATE applications SET district = (SELECT e.district FROM enterprises e "
        "WHERE e.id = applications.enterprise_id) WHERE status <> 'draft'"
    )
    op.execute(
        "UPDATE applications SET first_submitted_at = COALESCE((SELECT MIN(v.submitted_at) "
        "FROM application_versions v WHERE v.application_id = applications.id), submitted_at)"
    )
    with op.batch_alter_table("objections") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="upheld")
        )
        batch.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("client_address", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_objections_client_address"), "objections", ["client_address"])


def downgrade() -> None:
    op.drop_index(op.f("ix_objections_client_address"), "objections")
    with op.batch_alter_table("objections") as batch:
        for col in ("client_address", "decided_at", "decided_by", "decision_reason", "status"):
            batch.drop_column(col)
    op.drop_index(op.f("ix_applications_round_id"), "applications")
    op.drop_index(op.f("ix_applications_district"), "applications")
    with op.batch_alter_table("applications") as batch:
        for col in ("application_date", "first_submitted_at", "round_id", "district"):
            batch.drop_column(col)
    op.drop_index(op.f("ix_application_rounds_measure_id"), "application_rounds")
    op.drop_table("application_rounds")
