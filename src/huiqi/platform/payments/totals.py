"""已拨付合计 without reading every payment: paid fen per (district, measure), kept current in
the transaction that confirms a payment.

An application's district is frozen at submission and its measure never changes, so a paid
part stays in the row it was added to. Writers: `add_paid` (one confirmed part, from
`service.mark_paid`) and `add_where` (bulk writers such as the scale fixture, after they
insert paid payments). `rebuild()` recomputes the table from the payments (`huiqi db
rebuild-dashboard` runs it too); tests check it equals what the incremental path left.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, true
from sqlalchemy.orm import Session

from huiqi.platform.applications.access import measures_of_units, scope_query
from huiqi.platform.applications.models import Application
from huiqi.platform.auth.service import Principal
from huiqi.platform.bulk_insert import add_to_counters
from huiqi.platform.payments.models import Payment, PaymentTotal

KEYS = ("district", "measure_id")


def _add(db: Session, rows: list[tuple[str, str, int, int]]) -> None:
    values = [
        {"district": d, "measure_id": m, "paid_fen": fen, "paid_parts": n}
        for d, m, fen, n in sorted(rows)
        if fen or n
    ]
    add_to_counters(db, PaymentTotal.__table__, KEYS, values)


def add_paid(db: Session, app: Application, amount_fen: int) -> None:
    """One part of `app`'s award was confirmed paid."""
    _add(db, [(app.district or "", app.measure_id, amount_fen, 1)])


def _grouped(db: Session, condition: ColumnElement[bool]) -> list[tuple[str, str, int, int]]:
    district = func.coalesce(Application.district, "")
    q = (
        select(district, Application.measure_id, func.sum(Payment.amount_fen), func.count())
        .join(Application, Application.id == Payment.application_id)
        .where(Payment.status == "paid", condition)
        .group_by(district, Application.measure_id)
    )
    return [(d, m, int(fen or 0), int(n)) for d, m, fen, n in db.execute(q)]


def add_where(db: Session, condition: ColumnElement[bool]) -> None:
    """Add the paid payments matching `condition` (call once, after inserting them)."""
    _add(db, _grouped(db, condition))


def rebuild(db: Session) -> int:
    """Recompute the table from the payments; returns its number of rows. The caller commits."""
    db.execute(delete(PaymentTotal))
    rows = _grouped(db, true())
    _add(db, rows)
    return len(rows)


def paid_fen(db: Session, p: Principal) -> int:
    """All money paid in `p`'s scope. Officers and admins read the table (a district's or a
    bureau's measures' rows); a firm's few payments are summed directly."""
    if p.role == "enterprise":
        scoped = scope_query(p).with_only_columns(Application.id)
        q: Any = select(func.sum(Payment.amount_fen)).where(
            Payment.status == "paid", Payment.application_id.in_(scoped)
        )
    else:
        q = select(func.sum(PaymentTotal.paid_fen))
        if p.role == "district_officer":
            q = q.where(PaymentTotal.district == p.district)
        elif p.role == "city_officer":
            q = q.where(PaymentTotal.measure_id.in_(measures_of_units(p.units)))
        elif p.role != "admin":
            scope_query(p)  # raises forbidden for any other role, as every scoped list does
    return int(db.scalar(q) or 0)
