"""holiday calendar (admin-recorded days) and public objections with evidence

`calendar_days` holds the statutory holidays and 调休 make-up working days that admins record
for years the `chinese-calendar` package does not know yet; rows override the package.
Objections gain the filer's 居民身份证 number and mobile (public filings are real-name), the
channel they came through, and evidence files stored as bytes in the same transaction as the
objection, so a failed request leaves nothing half-written.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('holiday', 'workday')", name=op.f("ck_calendar_days_kind_known")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=11), nullable=True))
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="login")
        )
    op.create_table(
        "objection_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objection_id"],
            ["objections.id"],
            name=op.f("fk_objection_evidence_objection_id_objections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_evidence")),
    )
    with op.batch_alter_table("objection_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_objection_evidence_objection_id"), ["objection_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("objection_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_evidence_objection_id"))
    op.drop_table("objection_evidence")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_column("channel")
        batch_op.drop_column("phone")
        batch_op.drop_column("id_number")
    op.drop_table("calendar_days")
