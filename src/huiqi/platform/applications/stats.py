"""汇总统计 without grouping every application: the number of applications and their decided
amount per (measure, status), kept by the database itself in the transaction of every write.

Applications are written by the lifecycle one at a time, by campaigns in bulk (COPY) and by
the scale fixture; a trigger on `applications` sees them all, so the figures stay exact
whatever the writer. On PostgreSQL it is one statement-level trigger per event reading the
statement's transition tables (one grouped upsert per statement, so a COPY of a million rows
adds a few dozen rows here); SQLite has row-level triggers only. Drafts are private to the
firm and never counted (as on the dashboard). Counter rows are upserted in key order, so
concurrent writers lock them in the same order. `rebuild()` recomputes the table (`huiqi db
rebuild-dashboard` runs it); a test checks it equals what the triggers left.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from huiqi.platform.applications.models import Application
from huiqi.platform.bulk_insert import add_to_counters
from huiqi.platform.db import Base, Fen


class ApplicationStat(Base):
    __tablename__ = "application_stats"

    measure_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    applications: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(Fen, default=0)


_UPSERT = (
    "INSERT INTO application_stats (measure_id, status, applications, amount_fen) {rows} "
    "ON CONFLICT (measure_id, status) DO UPDATE SET "
    "applications = application_stats.applications + excluded.applications, "
    "amount_fen = application_stats.amount_fen + excluded.amount_fen"
)


def _pg_delta(sign: str, table: str) -> str:
    return (
        f"SELECT measure_id, status, {sign}1 AS n, {sign}coalesce(decided_amount_fen, 0) AS a "
        f"FROM {table} WHERE status <> 'draft'"
    )


def _pg_rows(*parts: str) -> str:
    union = " UNION ALL ".join(parts)
    return (
        f"SELECT measure_id, status, sum(n), sum(a) FROM ({union}) d GROUP BY measure_id, status "
        "HAVING sum(n) <> 0 OR sum(a) <> 0 ORDER BY measure_id, status"
    )


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION application_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_UPSERT.format(rows=_pg_rows(_pg_delta("", "new_rows")))};
    ELSIF TG_OP = 'UPDATE' THEN
        {_UPSERT.format(rows=_pg_rows(_pg_delta("-", "old_rows"), _pg_delta("", "new_rows")))};
    ELSE
        {_UPSERT.format(rows=_pg_rows(_pg_delta("-", "old_rows")))};
    END IF;
    RETURN NULL;
END
$$
"""
PG_TRIGGERS = [
    "CREATE TRIGGER application_stats_insert AFTER INSERT ON applications "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION application_stats_apply()",
    "CREATE TRIGGER application_stats_update AFTER UPDATE ON applications "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION application_stats_apply()",
    "CREATE TRIGGER application_stats_delete AFTER DELETE ON applications "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION application_stats_apply()",
]


def _sqlite_add(row: str, sign: str) -> str:
    values = (
        f"SELECT {row}.measure_id, {row}.status, {sign}1, "
        f"{sign}coalesce({row}.decided_amount_fen, 0) WHERE {row}.status <> 'draft'"
    )
    return _UPSERT.format(rows=values) + ";"


SQLITE_TRIGGERS = [
    "CREATE TRIGGER application_stats_insert AFTER INSERT ON applications BEGIN "
    f"{_sqlite_add('NEW', '')} END",
    # the old row's counter first, then the new one's: the same statements in the same order
    "CREATE TRIGGER application_stats_update AFTER UPDATE OF measure_id, status, "
    f"decided_amount_fen ON applications BEGIN {_sqlite_add('OLD', '-')} "
    f"{_sqlite_add('NEW', '')} END",
    "CREATE TRIGGER application_stats_delete AFTER DELETE ON applications BEGIN "
    f"{_sqlite_add('OLD', '-')} END",
]
DROP = [
    "DROP TRIGGER IF EXISTS application_stats_insert{on}",
    "DROP TRIGGER IF EXISTS application_stats_update{on}",
    "DROP TRIGGER IF EXISTS application_stats_delete{on}",
]


def install_statements(dialect: str) -> list[str]:
    """The DDL that makes the database keep `application_stats` (for the migration)."""
    if dialect == "postgresql":
        return [PG_FUNCTION, *PG_TRIGGERS]
    return list(SQLITE_TRIGGERS)


def remove_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        drops = [d.format(on=" ON applications") for d in DROP]
        return [*drops, "DROP FUNCTION IF EXISTS application_stats_apply()"]
    return [d.format(on="") for d in DROP]


def grouped(db: Session) -> list[tuple[str, str, int, int]]:
    """(measure, status, applications, decided fen) counted from the applications themselves."""
    amount = func.coalesce(func.sum(Application.decided_amount_fen), 0)
    q = (
        select(Application.measure_id, Application.status, func.count(), amount)
        .where(Application.status != "draft")
        .group_by(Application.measure_id, Application.status)
        .order_by(Application.measure_id, Application.status)
    )
    return [(m, st, int(n), int(a or 0)) for m, st, n, a in db.execute(q)]


def rebuild(db: Session) -> int:
    """Recompute the table from the applications; returns its number of rows. The caller
    commits."""
    db.execute(delete(ApplicationStat))
    rows = grouped(db)
    values = [
        {"measure_id": m, "status": st, "applications": n, "amount_fen": a} for m, st, n, a in rows
    ]
    add_to_counters(db, ApplicationStat.__table__, ("measure_id", "status"), values)
    return len(rows)


def read(db: Session) -> list[tuple[str, str, int, int]]:
    """The figures by (measure, status), empty rows left out: a few dozen rows, whatever the
    number of applications."""
    q = (
        select(
            ApplicationStat.measure_id,
            ApplicationStat.status,
            ApplicationStat.applications,
            ApplicationStat.amount_fen,
        )
        .where((ApplicationStat.applications != 0) | (ApplicationStat.amount_fen != 0))
        .order_by(ApplicationStat.measure_id, ApplicationStat.status)
    )
    return [(m, st, int(n), int(a)) for m, st, n, a in db.execute(q)]
