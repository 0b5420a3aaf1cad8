"""login failures (等保 登录失败处理) and the idle timeout of sessions

`login_failures` counts failed logins per account and per client address, so every worker
process (and every server behind a load balancer) sees the same count: an account locks after
HUIQI_LOGIN_MAX_FAILURES failures, an address after HUIQI_LOGIN_MAX_FAILURES_PER_ADDRESS. The
audit log keeps the lasting record of each attempt; rows here are deleted once an account logs
in successfully. `auth_sessions.last_seen_at` lets a session end after
HUIQI_SESSION_IDLE_SECONDS without use (NULL: not used since login, created_at counts).
A new table and a plain ADD COLUMN: no table rebuild.

Revision ID: 0040
Revises: 0005
Create Date: 2026-12-01 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])
    op.create_index("ix_login_failures_address_at", "login_failures", ["address", "at"])
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("last_seen_at")
    op.drop_index("ix_login_failures_address_at", table_name="login_failures")
    op.drop_index("ix_login_failures_username_at", table_name="login_failures")
    op.drop_table("login_failures")
