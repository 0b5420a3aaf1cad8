"""expert assignments, application versions (退回补正 / amend)

`expert_assignments`: the experts or third-party institutions a city officer asks for an
opinion on one version of an application (opinion, score, recommended amount, 回避 declaration).
`application_versions`: the snapshots an amendment replaced; `applications.version` counts them.
The new statuses (returned, withdrawn) need no change: the status column has no constraint.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "application_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("engine_status", sa.String(length=32), nullable=False),
        sa.Column("engine_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("requested_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("application_id", "version"),
    )
    op.create_index(
        "ix_application_versions_application_id", "application_versions", ["application_id"]
    )
    op.create_table(
        "expert_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("conflict_declared", sa.Boolean(), nullable=False),
        sa.Column("opinion", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("recommended_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("application_id", "version", "expert_id"),
    )
    op.create_index(
        "ix_expert_assignments_application_id", "expert_assignments", ["application_id"]
    )
    op.create_index("ix_expert_assignments_expert_id", "expert_assignments", ["expert_id"])


def downgrade() -> None:
    op.drop_table("expert_assignments")
    op.drop_table("application_versions")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("version")
