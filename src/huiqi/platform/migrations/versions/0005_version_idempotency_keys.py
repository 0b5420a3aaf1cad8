"""re-application after withdrawal: archived snapshots keep their Idempotency-Key

A firm that withdrew (撤回) may apply again for the same measure, year and project: the new
submission takes over the withdrawn row as version n+1 (so the one-application-per-claim unique
constraint of 0001 stays as it is). The row then carries the new submission's key, and the key
of the submission it replaced moves with the archived snapshot into
`application_versions.idempotency_key`, so a retry of either submission still finds the
application. A plain ADD COLUMN: no table rebuild, safe on SQLite with foreign keys on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application_versions") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
    op.create_index(
        "ix_application_versions_idempotency_key", "application_versions", ["idempotency_key"]
    )


def downgrade() -> None:
    op.drop_index("ix_application_versions_idempotency_key", "application_versions")
    with op.batch_alter_table("application_versions") as batch:
        batch.drop_column("idempotency_key")
