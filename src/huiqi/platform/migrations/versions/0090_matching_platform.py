"""供需对接平台: demands and supplies, contacts, annual lists, 供需对接大会 and their meetings

Adds `matching_entries` (demands and supplies with their lifecycle status and the
tokenised `search_text`), `matching_contacts` (对接申请), `matching_lists` and
`matching_list_items` (the annual lists), `matching_events`, `matching_registrations`,
`matching_meetings` and `matching_slot_bookings` (one party, one slot: the unique key that
forbids double-booking).

Text search: on SQLite an FTS5 table over `search_text`, kept in step by triggers; on
PostgreSQL the pg_trgm extension (created in the schema `public` when absent, so that
dropping an application schema never drops the extension other schemas use; in the current
schema where the account may not create in `public`) and a GIN trigram index on `search_text`.

Revision ID: 0090
Revises: 0080
Create Date: 2026-12-01 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0090"
down_revision: str | None = "0080"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.Constraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    t = "matching_entries"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("budget_min_fen", sa.BigInteger(), nullable=True),
        sa.Column("budget_max_fen", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(64), nullable=False),
        sa.Column("contact_phone", sa.String(32), nullable=False),
        sa.Column("owner_key", sa.String(80), nullable=False),
        sa.Column("owner_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("list_year", sa.Integer(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("kind IN ('demand', 'supply')", name=f"ck_{t}_kind"),
        sa.CheckConstraint(
            "budget_min_fen IS NULL OR budget_max_fen IS NULL OR budget_min_fen <= budget_max_fen",
            name=f"ck_{t}_budget_order",
        ),
        _pk(t),
    )
    for col in ("kind", "field", "district", "owner_key", "status", "list_year"):
        op.create_index(f"ix_{t}_{col}", t, [col])

    t = "matching_contacts"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("supply_id", sa.Integer(), nullable=False),
        sa.Column("requester_key", sa.String(80), nullable=False),
        sa.Column("responder_key", sa.String(80), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("responded_by", sa.String(64), nullable=True),
        sa.Column("responded_at", TS, nullable=True),
        sa.Column("response_note", sa.Text(), nullable=False),
        _fk(t, "demand_id", "matching_entries"),
        _fk(t, "supply_id", "matching_entries"),
        sa.UniqueConstraint("demand_id", "supply_id", name=f"uq_{t}_demand_id_supply_id"),
        _pk(t),
    )
    for col in ("demand_id", "supply_id", "requester_key", "responder_key"):
        op.create_index(f"ix_{t}_{col}", t, [col])

    t = "matching_lists"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=True),
        sa.Column("published_at", TS, nullable=True),
        sa.UniqueConstraint("year", "kind", name=f"uq_{t}_year_kind"),
        _pk(t),
    )
    t = "matching_list_items"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        _fk(t, "list_id", "matching_lists"),
        _fk(t, "entry_id", "matching_entries"),
        sa.UniqueConstraint("list_id", "entry_id", name=f"uq_{t}_list_id_entry_id"),
        _pk(t),
    )
    op.create_index(f"ix_{t}_list_id", t, ["list_id"])

    t = "matching_events"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk(t),
    )
    t = "matching_registrations"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("party_key", sa.String(80), nullable=False),
        sa.Column("party_name", sa.String(200), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        _fk(t, "event_id", "matching_events"),
        sa.UniqueConstraint("event_id", "party_key", name=f"uq_{t}_event_id_party_key"),
        _pk(t),
    )
    op.create_index(f"ix_{t}_event_id", t, ["event_id"])
    t = "matching_meetings"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("supply_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(5), nullable=False),
        sa.Column("table_no", sa.String(32), nullable=False),
        sa.Column("arranged_by", sa.String(64), nullable=False),
        sa.Column("arranged_at", TS, nullable=False),
        _fk(t, "event_id", "matching_events"),
        _fk(t, "demand_id", "matching_entries"),
        _fk(t, "supply_id", "matching_entries"),
        sa.UniqueConstraint(
            "event_id", "demand_id", "supply_id", name=f"uq_{t}_event_id_demand_id_supply_id"
        ),
        _pk(t),
    )
    op.create_index(f"ix_{t}_event_id", t, ["event_id"])
    t = "matching_slot_bookings"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(5), nullable=False),
        sa.Column("party_key", sa.String(80), nullable=False),
        _fk(t, "meeting_id", "matching_meetings", ondelete="CASCADE"),
        sa.UniqueConstraint(
            "event_id", "slot", "party_key", name=f"uq_{t}_event_id_slot_party_key"
        ),
        _pk(t),
    )
    op.create_index(f"ix_{t}_meeting_id", t, ["meeting_id"])

    if op.get_bind().dialect.name == "postgresql":
        _postgres_search()
    else:
        _sqlite_search()


TRGM_SCHEMA = "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname='pg_trgm'"


def _postgres_search() -> None:
    bind = op.get_bind()
    have = bind.scalar(sa.text(TRGM_SCHEMA))
    if have is None:
        # In `public` where the account may create there (PostgreSQL 15 grants that only to the
        # database owner); otherwise in the current schema. A DBA can also create it beforehand.
        try:
            with bind.begin_nested():
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
        except sa.exc.DBAPIError:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        have = bind.scalar(sa.text(TRGM_SCHEMA))
    op.execute(
        "CREATE INDEX ix_matching_entries_search_trgm ON matching_entries "
        f'USING gin (search_text "{have}".gin_trgm_ops)'
    )


def _sqlite_search() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE matching_entries_fts USING fts5("
        "search_text, content='matching_entries', content_rowid='id')"
    )
    op.execute(
        "CREATE TRIGGER matching_entries_fts_insert AFTER INSERT ON matching_entries BEGIN "
        "INSERT INTO matching_entries_fts(rowid, search_text) VALUES (new.id, new.search_text); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER matching_entries_fts_delete AFTER DELETE ON matching_entries BEGIN "
        "INSERT INTO matching_entries_fts(matching_entries_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER matching_entries_fts_update AFTER UPDATE OF search_text ON "
        "matching_entries BEGIN "
        "INSERT INTO matching_entries_fts(matching_entries_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO matching_entries_fts(rowid, search_text) VALUES (new.id, new.search_text); "
        "END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS matching_entries_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS matching_entries_fts")
    for table in (
        "matching_slot_bookings",
        "matching_meetings",
        "matching_registrations",
        "matching_events",
        "matching_list_items",
        "matching_lists",
        "matching_contacts",
        "matching_entries",
    ):
        op.drop_table(table)  # their indexes go with them; pg_trgm stays (others may use it)
