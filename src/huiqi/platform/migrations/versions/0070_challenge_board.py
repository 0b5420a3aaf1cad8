"""揭榜挂帅 scenario board: batches, tasks, bids, parties, expert scores, milestone reports

Revision ID: 0070
Revises: 0100
Create Date: 2026-12-01 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenge_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_challenge_batches"),
    )
    op.create_table(
        "challenge_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["challenge_batches.id"],
            name="fk_challenge_tasks_batch_id_challenge_batches",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_challenge_tasks"),
    )
    op.create_index("ix_challenge_tasks_batch_id", "challenge_tasks", ["batch_id"], unique=False)
    op.create_table(
        "challenge_bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("lead_enterprise_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("selection_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("agreement_signed_on", sa.Date(), nullable=True),
        sa.Column("agreed_investment_fen", sa.BigInteger(), nullable=True),
        sa.Column("assessment_passed", sa.Boolean(), nullable=True),
        sa.Column("assessment_date", sa.Date(), nullable=True),
        sa.Column("assessment_report", sa.Text(), nullable=True),
        sa.Column("assessed_investment_fen", sa.BigInteger(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_challenge_bids_application_id_applications",
        ),
        sa.ForeignKeyConstraint(
            ["lead_enterprise_id"],
            ["enterprises.id"],
            name="fk_challenge_bids_lead_enterprise_id_enterprises",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_challenge_bids_project_id_projects"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["challenge_tasks.id"], name="fk_challenge_bids_task_id_challenge_tasks"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_challenge_bids"),
        sa.UniqueConstraint(
            "task_id", "lead_enterprise_id", name="uq_challenge_bids_task_id_lead_enterprise_id"
        ),
    )
    op.create_index(
        "ix_challenge_bids_lead_enterprise_id",
        "challenge_bids",
        ["lead_enterprise_id"],
        unique=False,
    )
    op.create_index("ix_challenge_bids_task_id", "challenge_bids", ["task_id"], unique=False)
    op.create_table(
        "challenge_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["challenge_bids.id"], name="fk_challenge_parties_bid_id_challenge_bids"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name="fk_challenge_parties_enterprise_id_enterprises",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_challenge_parties"),
        sa.UniqueConstraint(
            "bid_id", "credit_code", name="uq_challenge_parties_bid_id_credit_code"
        ),
    )
    op.create_index("ix_challenge_parties_bid_id", "challenge_parties", ["bid_id"], unique=False)
    op.create_table(
        "challenge_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["challenge_bids.id"], name="fk_challenge_reports_bid_id_challenge_bids"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_challenge_reports"),
    )
    op.create_index("ix_challenge_reports_bid_id", "challenge_reports", ["bid_id"], unique=False)
    op.create_table(
        "challenge_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["challenge_bids.id"], name="fk_challenge_scores_bid_id_challenge_bids"
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["users.id"], name="fk_challenge_scores_expert_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_challenge_scores"),
        sa.UniqueConstraint("bid_id", "expert_id", name="uq_challenge_scores_bid_id_expert_id"),
    )
    op.create_index("ix_challenge_scores_bid_id", "challenge_scores", ["bid_id"], unique=False)
    op.create_index(
        "ix_challenge_scores_expert_id", "challenge_scores", ["expert_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("challenge_scores")
    op.drop_table("challenge_reports")
    op.drop_table("challenge_parties")
    op.drop_table("challenge_bids")
    op.drop_table("challenge_tasks")
    op.drop_table("challenge_batches")
