"""Payments carry their claim's district and measure, and each officer's payments list is
exactly the payments of the claims they may see; 汇总统计 (`/stats`) is kept by the database
in every write and equals a GROUP BY over the applications, whatever wrote them (the
lifecycle, a bulk COPY, a raw UPDATE or DELETE). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from huiqi.platform.applications import service as apps
from huiqi.platform.applications import stats as app_stats
from huiqi.platform.applications.models import Application
from huiqi.platform.auth.service import Principal
from huiqi.platform.bulk_insert import insert_rows, reserve_ids
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError
from huiqi.platform.pagination import Page
from huiqi.platform.payments import service as payments
from huiqi.platform.payments.models import Payment
from huiqi.platform.policy import canonical_place, place_names, place_region
from huiqi.policies import DEFAULT_POLICY_ID
from huiqi.policies.districts import districts
from tests.helpers.api import API, login
from tests.helpers.scale import seed_scaled, who

FIRMS, APPLICATIONS = 120, 1200


@pytest.fixture
def scaled(app: FastAPI) -> FastAPI:
    return seed_scaled(app, FIRMS, APPLICATIONS, seed=5)


def all_payments(db: Session, p: Principal, limit: int) -> list[int]:
    pages: list[Page[payments.PaymentRow]] = [payments.payments_page(db, p, limit=limit)]
    while pages[-1].next_cursor:
        pages.append(payments.payments_page(db, p, cursor=pages[-1].next_cursor, limit=limit))
    return [r.payment.id for page in pages for r in page.items]


def test_each_scope_lists_exactly_the_payments_of_its_claims(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        admin = who(db, "admin")
        # a few more claims scheduled and paid through the service, beside the fixture's rows
        for app, _name in payments.ready_page(db, admin, limit=6).items:
            for part in payments.schedule(db, admin, app.id):
                payments.mark_paid(db, admin, part.id, f"V{part.id}")
        # every payment carries its claim's frozen district and measure
        carried = db.execute(
            select(
                Payment.district, Payment.measure_id, Application.district, Application.measure_id
            ).join(Application, Application.id == Payment.application_id)
        ).all()
        assert len(carried) > 100
        assert all(pd == (ad or "") and pm == am for pd, pm, ad, am in carried)
        firm = db.scalar(select(Application.enterprise_id).where(Application.status == "paid"))
        firm_p = Principal(user_id=0, username="firm", role="enterprise", enterprise_id=firm)
        for p in [who(db, "district_dh"), who(db, "city_jx"), admin, firm_p]:
            scoped = select(apps.scope_query(p).with_only_columns(Application.id).subquery())
            expected = list(
                db.scalars(
                    select(Payment.id)
                    .where(Payment.application_id.in_(scoped))
                    .order_by(Payment.id.desc())
                )
            )
            assert expected, p.username
            assert all_payments(db, p, 17) == expected, p.username
        analyst = who(db, "analyst")
        with pytest.raises(ApiError) as refused:
            payments.payments_page(db, analyst)
        assert refused.value.status == 403


def stats_rows(db: Session) -> list[tuple[str, str, int, int]]:
    return [row for row in app_stats.grouped(db) if row[2] or row[3]]


def test_stats_are_kept_by_every_writer(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        admin = who(db, "admin")
        assert app_stats.read(db) == stats_rows(db) and len(stats_rows(db)) > 20
        # the lifecycle: scheduling and paying moves claims from noticed to paid
        for app, _name in payments.ready_page(db, admin, limit=5).items:
            for part in payments.schedule(db, admin, app.id):
                payments.mark_paid(db, admin, part.id, f"V{part.id}")
        assert app_stats.read(db) == stats_rows(db)
        # a raw bulk UPDATE of statuses and amounts, then a DELETE
        some = list(
            db.scalars(select(Application.id).where(Application.status == "submitted").limit(30))
        )
        db.execute(
            update(Application)
            .where(Application.id.in_(some[:20]))
            .values(status="approved", decided_amount_fen=123_456)
        )
        db.execute(update(Application).where(Application.id.in_(some[20:])).values(status="draft"))
        # a claim moved to another measure leaves its old row and joins a new one
        paid = db.scalar(select(Application.id).where(Application.status == "paid"))
        db.execute(update(Application).where(Application.id == paid).values(measure_id="9.9.9"))
        db.execute(delete(Application).where(Application.id.in_(some[20:25])))
        db.flush()
        assert app_stats.read(db) == stats_rows(db)
        # a bulk insert (COPY on PostgreSQL), as campaigns write their candidates
        template = db.get(Application, some[0])
        assert template is not None
        ids = reserve_ids(db, Application.__table__, 3)
        columns = [c.name for c in Application.__table__.columns]
        rows = []
        for k, app_id in enumerate(ids):
            row = {
                c: getattr(template, c if c != "evaluation" else "stored_evaluation")
                for c in columns
            }
            row.update(id=app_id, fiscal_year=1990 + k, idempotency_key=None, status="candidate")
            rows.append(row)
        insert_rows(db, Application.__table__, rows)
        assert app_stats.read(db) == stats_rows(db)
        db.commit()
        kept = app_stats.read(db)
        app_stats.rebuild(db)
        assert app_stats.read(db) == kept


def test_stats_endpoint_reads_the_kept_figures(scaled: FastAPI) -> None:
    with TestClient(scaled) as client, scaled.state.sessionmaker() as db:
        body = client.get(f"{API}/stats", headers=login(client, "analyst")).json()
        got = [
            (r["measure_id"], r["status"], r["count"], r["amount_fen"])
            for r in body["by_measure_status"]
        ]
        assert got == stats_rows(db)
        assert all(status != "draft" for _m, status, _n, _a in got)


def test_fixture_places_come_from_the_policy_package(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        firms = db.execute(
            select(Enterprise.district, Enterprise.name, Enterprise.credit_code).where(
                Enterprise.name.like("%规模测试企业%")
            )
        ).all()
    assert len(firms) == FIRMS
    places = {canonical_place(district) for district, _name, _code in firms}
    assert None not in places and places <= set(place_names()) and len(places) > 10
    assert all(name.startswith(place_region()) for _d, name, _code in firms)
    # credit codes issued in the policy's city: its districts' GB/T 2260 prefix, then 00
    cities = {d.code[:4] + "00" for d in districts(DEFAULT_POLICY_ID) if d.code}
    assert {code[2:8] for _d, _n, code in firms} <= cities and cities
