"""penalties.major: a 重大行政处罚 blocks support, an ordinary penalty alone does not

Application guidelines exclude firms with a *major* administrative penalty in the look-back
period; an ordinary one blocks only where the platform parameter credit.block_any_penalty
says so. Existing rows are taken as ordinary (false) until an officer marks them. A plain
ADD COLUMN with a server default: no table rebuild.

Revision ID: 0060
Revises: 0005
Create Date: 2026-12-01 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0060"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("penalties") as batch:
        batch.add_column(
            sa.Column("major", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("penalties") as batch:
        batch.drop_column("major")
