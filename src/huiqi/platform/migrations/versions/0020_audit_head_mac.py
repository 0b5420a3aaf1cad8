"""audit chain head signed with an HMAC key kept outside the database

`audit_head.mac` = HMAC-SHA256(key, "seq:hash") of the newest entry. Someone who can write the
database but does not hold the key (HUIQI_AUDIT_HMAC_KEY, or the generated demo key in the data
folder) can no longer recompute every hash or cut off the tail and re-point the head unnoticed.
Nullable: a chain written before this revision is sealed by its next append or by
`huiqi audit anchor`.

Revision ID: 0020
Revises: 0010
Create Date: 2026-12-01 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("mac")
