"""The dashboard's rollup: application counts and awarded amounts per bucket, kept current in
the same transaction as every write to an application.

A bucket is (fiscal year, status, Beijing month of submission, and for awarded applications
only: the firm's district and the Beijing month of the latest decision to support). Every
figure on the dashboard is a sum over these few thousand rows, so its cost does not grow with
the number of applications. Drafts are private to the firm and never counted.

Writers: `lifecycle.move()` retracts the application's old bucket and adds its new one; bulk
writers (campaign candidates, the scale fixture) add whole groups at once with `apply_where`
or `add_counts`. `rebuild()` recomputes the table from the applications themselves (`huiqi db
rebuild-dashboard`); a test checks it equals what the incremental path left.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    case,
    delete,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from huiqi.platform.bulk_insert import add_to_counters
from huiqi.platform.db import Base, Fen

BEIJING = ZoneInfo("Asia/Shanghai")
# the statuses whose decided amount counts as committed (mirrors lifecycle.AWARDED; kept here
# as plain strings so the lifecycle can import this module)
AWARDED = ("approved", "in_notice", "noticed", "paid")

# (fiscal_year, status, submitted_month, district, approved_month)
Bucket = tuple[int, str, str, str, str]


class DashboardCount(Base):
    __tablename__ = "dashboard_counts"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    submitted_month: Mapped[str] = mapped_column(String(7), primary_key=True)
    # '' unless awarded: only awarded figures are shown per district and per decision month
    district: Mapped[str] = mapped_column(String(64), primary_key=True)
    approved_month: Mapped[str] = mapped_column(String(7), primary_key=True)
    applications: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(Fen, default=0)


def month_of(at: dt.datetime | str | None) -> str:
    if at is None:
        return ""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(BEIJING).strftime("%Y-%m")


def beijing_month(db: Session, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a UTC timestamp column in Beijing time (UTC+8 all year, no summer time)."""
    if db.get_bind().dialect.name == "postgresql":
        local = func.timezone(literal_column("'Asia/Shanghai'"), column)
        return func.to_char(local, literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", column, "+8 hours")


def bucket_of(
    fiscal_year: int, status: str, submitted_at: Any, district: str | None, approved_at: Any
) -> Bucket | None:
    if status == "draft":
        return None
    if status not in AWARDED:
        return (fiscal_year, status, month_of(submitted_at), "", "")
    return (fiscal_year, status, month_of(submitted_at), district or "", month_of(approved_at))


def _latest_approval(db: Session, app_id: int) -> dt.datetime | None:
    from huiqi.platform.reviews.models import ReviewStep

    return db.scalar(
        select(func.max(ReviewStep.created_at)).where(
            ReviewStep.application_id == app_id,
            ReviewStep.stage == "decision",
            ReviewStep.outcome == "approve",
        )
    )


def _firm_district(db: Session, enterprise_id: int) -> str | None:
    from huiqi.platform.enterprises.models import Enterprise

    return db.scalar(select(Enterprise.district).where(Enterprise.id == enterprise_id))


def _bucket_and_amount(db: Session, values: dict[str, Any]) -> tuple[Bucket | None, int]:
    status = values["status"]
    awarded = status in AWARDED
    bucket = bucket_of(
        values["fiscal_year"],
        status,
        values["submitted_at"],
        _firm_district(db, values["enterprise_id"]) if awarded else None,
        _latest_approval(db, values["id"]) if awarded else None,
    )
    return bucket, int(values.get("decided_amount_fen") or 0)


def on_change(db: Session, before: dict[str, Any] | None, app: Any) -> None:
    """Move one application from the bucket of `before` (its snapshot before the write; None
    when it is new) to the bucket of its current values. Called by `lifecycle.move()`."""
    deltas: Counter[Bucket] = Counter()
    amounts: Counter[Bucket] = Counter()
    if before is not None:
        old, amount = _bucket_and_amount(db, before)
        if old is not None:
            deltas[old] -= 1
            amounts[old] -= amount
    now = {
        k: getattr(app, k) for k in ("id", "fiscal_year", "status", "submitted_at", "enterprise_id")
    }
    now["decided_amount_fen"] = app.decided_amount_fen
    new, amount = _bucket_and_amount(db, now)
    if new is not None:
        deltas[new] += 1
        amounts[new] += amount
    add_counts(db, ((b, deltas[b], amounts[b]) for b in deltas))


def add_counts(db: Session, rows: Iterable[tuple[Bucket, int, int]]) -> None:
    """Add (count, amount) to each bucket in one upsert (INSERT ... ON CONFLICT DO UPDATE, on
    SQLite and PostgreSQL alike). Zero deltas are skipped; rows reaching zero are kept (a
    handful at most) since deleting them would race with a concurrent increment."""
    values = [
        {
            "fiscal_year": b[0],
            "status": b[1],
            "submitted_month": b[2],
            "district": b[3],
            "approved_month": b[4],
            "applications": n,
            "amount_fen": amount,
        }
        for b, n, amount in sorted(rows)
        if n or amount
    ]  # in key order: concurrent writers lock the same rows in the same order (no deadlock)
    keys = ["fiscal_year", "status", "submitted_month", "district", "approved_month"]
    add_to_counters(db, DashboardCount.__table__, keys, values)


def grouped(db: Session, condition: ColumnElement[bool]) -> list[tuple[Bucket, int, int]]:
    """The buckets of the applications matching `condition`, counted by the database."""
    from huiqi.platform.applications.models import Application
    from huiqi.platform.enterprises.models import Enterprise
    from huiqi.platform.reviews.models import ReviewStep

    approvals = (
        select(
            ReviewStep.application_id.label("application_id"),
            func.max(ReviewStep.created_at).label("at"),
        )
        .where(ReviewStep.stage == "decision", ReviewStep.outcome == "approve")
        .group_by(ReviewStep.application_id)
        .subquery()
    )
    awarded = Application.status.in_(AWARDED)
    district = case((awarded, func.coalesce(Enterprise.district, "")), else_=literal(""))
    approved = case(
        (awarded, func.coalesce(beijing_month(db, approvals.c.at), "")), else_=literal("")
    )
    submitted = beijing_month(db, Application.submitted_at)
    amount = func.coalesce(func.sum(Application.decided_amount_fen), 0)
    q = (
        select(
            Application.fiscal_year, Application.status, submitted, district, approved,
            func.count(), amount,
        )
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .outerjoin(approvals, approvals.c.application_id == Application.id)
        .where(Application.status != "draft", condition)
        .group_by(Application.fiscal_year, Application.status, submitted, district, approved)
    )  # fmt: skip
    return [
        ((int(fy), st, sm or "", d or "", am or ""), int(n), int(a or 0))
        for fy, st, sm, d, am, n, a in db.execute(q)
    ]


def apply_where(db: Session, condition: ColumnElement[bool], sign: int = 1) -> None:
    """Add (sign=1) or retract (sign=-1) the applications matching `condition`: bulk writers
    retract before they change rows in bulk and add after."""
    add_counts(db, ((b, sign * n, sign * a) for b, n, a in grouped(db, condition)))


def rebuild(db: Session) -> int:
    """Recompute the whole table from the applications; returns the number of buckets. The
    caller commits."""
    db.execute(delete(DashboardCount))
    rows = grouped(db, true())
    add_counts(db, rows)
    return len(rows)


def snapshot_table(db: Session) -> dict[Bucket, tuple[int, int]]:
    """The table as {bucket: (count, amount)}, empty buckets left out (for comparisons)."""
    out: dict[Bucket, tuple[int, int]] = {}
    for r in db.scalars(select(DashboardCount)):
        if r.applications or r.amount_fen:
            key = (r.fiscal_year, r.status, r.submitted_month, r.district, r.approved_month)
            out[key] = (r.applications, int(r.amount_fen))
    return out
