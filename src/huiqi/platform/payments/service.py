"""Payments: an approved and publicly noticed award is paid in a city part and a district part.

The split is per measure (e.g. 3.1.1 city 50% / district 50%), rounded half-up to the fen on the
city part; the district part is the remainder, so the parts always add up to the award exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.access import measures_of_units
from huiqi.platform.applications.lifecycle import Action, Actor
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.service import WITHOUT_CASE, get_visible_app, scope_query
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets.service import add_paid
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.pagination import Page, keyset_page
from huiqi.platform.payments import totals
from huiqi.platform.payments.models import Payment, PaymentShare
from huiqi.platform.payments.schemas import PaymentOut, ShareIn
from huiqi.platform.policy import get_policy, measure


def city_percent(db: Session, measure_id: str) -> int:
    """The city's share: as an admin set it, else the policy package's default for the
    measure (2.5.1 各区依法落实: 0, the district pays; the others 100)."""
    share = db.get(PaymentShare, measure_id)
    if share is not None:
        return share.city_percent
    spec = get_policy().measures.get(measure_id)
    return spec.default_city_percent if spec is not None else 100


def split(amount_fen: int, city_pct: int) -> tuple[int, int]:
    city = (amount_fen * city_pct + 50) // 100
    return city, amount_fen - city


def set_share(db: Session, p: Principal, measure_id: str, data: ShareIn) -> PaymentShare:
    if p.role != "admin":
        raise forbidden()
    measure(measure_id)
    share = db.get(PaymentShare, measure_id)
    before = {"city_percent": share.city_percent} if share else None
    if share is None:
        share = PaymentShare(measure_id=measure_id, city_percent=data.city_percent)
        db.add(share)
    else:
        share.city_percent = data.city_percent
    db.flush()
    record(db, p, "payment.share", "payment_share", measure_id, before, data.model_dump())
    db.commit()
    return share


def schedule(db: Session, p: Principal, app_id: int) -> list[Payment]:
    app = get_visible_app(db, p, app_id, lock=True)
    if lifecycle.LIFECYCLE.find(app.status, Action.SCHEDULE_PAYMENT) is None:
        raise ApiError(409, "wrong_status", "只有公示期满且无异议的申报才能安排拨付", "status")
    lifecycle.LIFECYCLE.check(p, app, Action.SCHEDULE_PAYMENT)
    if db.scalar(select(Payment.id).where(Payment.application_id == app.id)) is not None:
        raise ApiError(409, "already_scheduled", "该申报已安排拨付", "application_id")
    assert app.decided_amount_fen is not None
    city, district = split(app.decided_amount_fen, city_percent(db, app.measure_id))
    scope = {"district": app.district or "", "measure_id": app.measure_id}
    rows = [Payment(application_id=app.id, payer="city", amount_fen=city, **scope)]
    if district:
        rows.append(Payment(application_id=app.id, payer="district", amount_fen=district, **scope))
    db.add_all(rows)
    db.flush()
    record(
        db,
        p,
        "payment.schedule",
        "application",
        app.id,
        None,
        [PaymentOut.model_validate(r).model_dump(mode="json") for r in rows],
    )
    db.commit()
    return rows


def mark_paid(db: Session, p: Principal, payment_id: int, voucher: str) -> Payment:
    pay = db.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if pay is None:
        raise not_found("拨付记录", "payment_id")
    app = db.scalar(
        select(Application).where(Application.id == pay.application_id).with_for_update()
    )
    assert app is not None
    if not may_confirm(p, app, pay.payer):
        raise forbidden("市级部分由责任单位市级审核员确认，区级部分由企业所在区审核员确认")
    if pay.status == "paid":
        raise ApiError(409, "already_paid", "该笔款项已确认拨付", "payment_id")
    before = PaymentOut.model_validate(pay).model_dump(mode="json")
    pay.status, pay.voucher, pay.paid_at = "paid", voucher, utcnow()
    db.flush()
    totals.add_paid(db, app, pay.amount_fen)
    pending = db.scalar(
        select(Payment.id).where(Payment.application_id == app.id, Payment.status != "paid")
    )
    if pending is None:
        # budget row before the audit head (same lock order as decisions)
        assert app.decided_amount_fen is not None
        add_paid(db, app.measure_id, app.fiscal_year, app.decided_amount_fen)
    after = PaymentOut.model_validate(pay).model_dump(mode="json")
    record(db, p, "payment.paid", "payment", pay.id, before, after)
    if pending is None:
        lifecycle.LIFECYCLE.move(db, app, p, Action.PAID)
    db.commit()
    return pay


def may_confirm(p: Principal, app: Application, payer: str) -> bool:
    """The city part is confirmed by the responsible bureau, the district part by the district
    the claim was submitted in (frozen: a later registration change does not move it)."""
    actors = lifecycle.acts_as(p, app)
    needed = Actor.CITY if payer == "city" else Actor.DISTRICT
    return bool(actors & {needed, Actor.ADMIN})


def list_for(db: Session, p: Principal, app_id: int) -> list[Payment]:
    app = get_visible_app(db, p, app_id)
    return list(
        db.scalars(select(Payment).where(Payment.application_id == app.id).order_by(Payment.id))
    )


# ---- the officer's payment list, one keyset page at a time ---------------------------------


@dataclass
class PaymentRow:
    payment: Payment
    application: Application
    enterprise_name: str
    district: str


def _in_scope(p: Principal) -> ColumnElement[bool]:
    """The payments of claims `p` may see, by the district and measure each payment carries
    (frozen like the claim's): an officer's list walks its own index, not every payment."""
    if p.role == "district_officer":
        return Payment.district == (p.district or "")
    if p.role == "city_officer":
        return Payment.measure_id.in_(measures_of_units(p.units))
    if p.role == "admin":
        return true()
    # a firm (or a refusal for any other role, as every scoped list gives): its own claims
    return Payment.application_id.in_(scope_query(p).with_only_columns(Application.id))


def payments_page(
    db: Session, p: Principal, *, cursor: str | None = None, limit: int | None = None
) -> Page[PaymentRow]:
    """Payments of applications in the person's scope, newest first."""
    q = (
        select(Payment, Application, Enterprise.name, Enterprise.district)
        .join(Application, Application.id == Payment.application_id)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .where(_in_scope(p))
        .options(*WITHOUT_CASE)
    )
    page = keyset_page(
        db, "payments", q, [Payment.id], lambda r: (r[0].id,), cursor=cursor, limit=limit,
        descending=True, scalars=False,
    )  # fmt: skip
    return Page(
        items=[PaymentRow(pay, app, name, district) for pay, app, name, district in page.items],
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        limit=page.limit,
    )


def ready_page(
    db: Session, p: Principal, *, cursor: str | None = None, limit: int | None = None
) -> Page[Any]:
    """公示 over and no payment scheduled yet (once scheduled, a claim leaves this list at once):
    (application, firm name) rows by id."""
    scheduled = select(Payment.id).where(Payment.application_id == Application.id).exists()
    q = (
        scope_query(p)
        .where(Application.status == "noticed", ~scheduled)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .add_columns(Enterprise.name)
        .options(*WITHOUT_CASE)
    )
    return keyset_page(
        db, "ready", q, [Application.id], lambda r: (r[0].id,), cursor=cursor, limit=limit,
        scalars=False,
    )  # fmt: skip


def total_paid_fen(db: Session, p: Principal) -> int:
    """All paid money in the person's scope, from the maintained totals (see `totals`): the
    same few rows whatever the number of payments."""
    return totals.paid_fen(db, p)
