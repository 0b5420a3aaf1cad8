"""durable background jobs; campaigns run as jobs, one per measure and year

Adds `jobs` (the queue: status, lease, heartbeat, progress, cancel flag, attempts) and
`job_files` (inputs and outputs of jobs, in the database so every web worker sees them).
`campaigns` gains its job, its own status and error, and `active_key` ("measure:year" while
the campaign is queued, running or done; NULL once failed or cancelled): a unique index on it
makes a second campaign for the same measure and year a conflict even under concurrent
requests. Campaigns from before this revision keep `active_key` NULL (they may repeat).

Revision ID: 0050
Revises: 0005
Create Date: 2026-12-01 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0050"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("owner_role", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_status_id", "jobs", ["status", "id"])
    op.create_index("ix_jobs_owner", "jobs", ["owner"])
    op.create_table(
        "job_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_files_job_id_jobs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_job_files"),
    )
    op.create_index("ix_job_files_job_id", "job_files", ["job_id"])
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="done"))
        batch.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("active_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.create_index("ix_campaigns_active_key", "campaigns", ["active_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_campaigns_active_key", "campaigns")
    with op.batch_alter_table("campaigns") as batch:
        for name in ("error", "active_key", "job_id", "status"):
            batch.drop_column(name)
    op.drop_index("ix_job_files_job_id", "job_files")
    op.drop_table("job_files")
    op.drop_index("ix_jobs_owner", "jobs")
    op.drop_index("ix_jobs_status_id", "jobs")
    op.drop_table("jobs")
