"""indexes for the paged lists and the dashboard's aggregates

Every list reads one keyset page through an index that matches its filter and its order, so a
page costs the same with a thousand applications or a million:

- the officer queue: (submitted_at, id) over just the applications waiting for an officer
  (a partial index: the four statuses before a decision), measures filtered on it; a district
  officer's: (district, submitted_at, id) over the same rows;
- other applications by status, newest first: (status, id) and, for district officers,
  (district, status, id); a firm's own list: (enterprise_id, id);
- 公示 items of a batch: (batch_id, id); pushes of a campaign / of a firm: (campaign_id, id),
  (enterprise_id, id); payments in scope by id use the primary key, the ones not yet scheduled
  the existing application_id index; the audit trail of one kind of entity: (entity, seq);
- the dashboard: awarded amounts per year and firm read from (status, fiscal_year,
  enterprise_id, decided_amount_fen) alone, submissions per month from (status, submitted_at),
  the latest approval per application from review_steps (application_id, stage, outcome,
  created_at).

Revision ID: 0100
Revises: 0090
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100"
down_revision: str | None = "0090"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status IN ('submitted', 'district_passed', 'expert_review', 'city_passed')"

INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_applications_status_id", "applications", ["status", "id"]),
    ("ix_applications_district_status_id", "applications", ["district", "status", "id"]),
    ("ix_applications_enterprise_id_id", "applications", ["enterprise_id", "id"]),
    (
        "ix_applications_awarded_totals",
        "applications",
        ["status", "fiscal_year", "enterprise_id", "decided_amount_fen"],
    ),
    ("ix_applications_status_submitted_at", "applications", ["status", "submitted_at"]),
    ("ix_notice_items_batch_id_id", "notice_items", ["batch_id", "id"]),
    ("ix_campaign_pushes_campaign_id_id", "campaign_pushes", ["campaign_id", "id"]),
    ("ix_campaign_pushes_enterprise_id_id", "campaign_pushes", ["enterprise_id", "id"]),
    ("ix_audit_log_entity_seq", "audit_log", ["entity", "seq"]),
    (
        "ix_review_steps_decisions",
        "review_steps",
        ["application_id", "stage", "outcome", "created_at"],
    ),
]


def upgrade() -> None:
    op.create_index(
        "ix_applications_queue",
        "applications",
        ["submitted_at", "id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    # a district officer's queue: their district's waiting applications, oldest first
    op.create_index(
        "ix_applications_district_queue",
        "applications",
        ["district", "submitted_at", "id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_applications_district_queue", table_name="applications")
    op.drop_index("ix_applications_queue", table_name="applications")
