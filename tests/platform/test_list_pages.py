"""Keyset-paged lists on the scale fixture, SQLite and PostgreSQL: every row exactly once, in
order, forwards and backwards, also while new rows arrive; bad cursors refused in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.platform.applications import service as apps
from huiqi.platform.applications.models import Application
from huiqi.platform.audit import service as audit
from huiqi.platform.auth.service import Principal
from huiqi.platform.campaigns import service as campaigns
from huiqi.platform.campaigns.models import CampaignPush
from huiqi.platform.errors import ApiError
from huiqi.platform.pagination import Page, bounded_count, encode_cursor
from huiqi.platform.payments import service as payments
from huiqi.platform.payments import totals as payment_totals
from huiqi.platform.payments.models import Payment, PaymentTotal
from huiqi.platform.public_notices import service as notices
from huiqi.platform.public_notices.models import NoticeBatch, NoticeItem
from huiqi.platform.scale import STATUS_SHARES
from tests.helpers.scale import seed_scaled, who

# the fixture spreads its firms over every place the policy names (19 in Wuhan's): enough
# that one district alone still fills several pages of each list
FIRMS, APPLICATIONS = 210, 2100


@pytest.fixture
def scaled(app: FastAPI) -> FastAPI:
    return seed_scaled(app, FIRMS, APPLICATIONS, seed=11)


def walk(fetch: Any, limit: int) -> tuple[list[Any], list[Page[Any]]]:
    """All rows of a list, page by page through next_cursor."""
    pages = [fetch(None, limit)]
    while pages[-1].next_cursor:
        pages.append(fetch(pages[-1].next_cursor, limit))
    return [row for p in pages for row in p.items], pages


def test_scale_fixture_has_every_status_and_a_verifiable_trail(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        seen = set(db.scalars(select(Application.status).distinct()))
        assert set(STATUS_SHARES) <= seen
        assert db.scalar(select(Payment.id).where(Payment.status == "paid")) is not None
        assert db.scalar(select(Payment.id).where(Payment.status == "pending")) is not None
        assert db.scalar(select(NoticeItem.id)) is not None
        assert db.scalar(select(CampaignPush.id)) is not None
        # every submitted application is routed to its firm's district
        unrouted = select(Application.id).where(
            Application.district.is_(None), Application.status != "draft"
        )
        assert db.scalar(unrouted) is None
        result = audit.verify(db)
        assert result.ok, (result.message, result.problems[:3])
        assert result.checked > APPLICATIONS // 2


def test_queue_walks_every_row_once_in_order_both_ways(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        admin = who(db, "admin")
        waiting = apps.QUEUE_STATUSES["admin"]
        expected = [
            (when, app_id)
            for when, app_id in db.execute(
                select(Application.submitted_at, Application.id)
                .where(Application.status.in_(waiting))
                .order_by(Application.submitted_at, Application.id)
            )
        ]
        assert len(expected) > 60

        def fetch(cursor: str | None, limit: int) -> Page[apps.AppRow]:
            return apps.queue_page(db, admin, cursor=cursor, limit=limit)

        rows, pages = walk(fetch, 37)
        assert [(r.app.submitted_at, r.app.id) for r in rows] == expected
        assert all(r.enterprise_name for r in rows)
        assert pages[0].prev_cursor is None and pages[-1].next_cursor is None
        # back from the last page with prev_cursor: the same pages, in reverse
        back = [pages[-1]]
        while back[-1].prev_cursor:
            back.append(fetch_prev(db, admin, back[-1].prev_cursor, 37))
        assert [[r.app.id for r in p.items] for p in reversed(back)] == [
            [r.app.id for r in p.items] for p in pages
        ]


def fetch_prev(db: Session, p: Principal, cursor: str, limit: int) -> Page[apps.AppRow]:
    return apps.queue_page(db, p, cursor=cursor, limit=limit)


def _new_application(
    db: Session, template: Application, submitted_at: dt.datetime, fiscal_year: int
) -> int:
    app = Application(
        enterprise_id=template.enterprise_id, measure_id=template.measure_id,
        fiscal_year=fiscal_year,
        project_key=0, status="submitted", source="apply", policy_id=template.policy_id,
        policy_version=template.policy_version, facts={}, evaluation={},
        engine_status="eligible", created_by="test", submitted_at=submitted_at,
        district=template.district,
    )  # fmt: skip
    db.add(app)
    db.commit()
    return app.id


def test_pages_stay_put_while_applications_arrive(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        admin = who(db, "admin")
        rows, _ = walk(lambda c, n: apps.queue_page(db, admin, cursor=c, limit=n), 50)
        before = {r.app.id for r in rows}
        first = apps.queue_page(db, admin, limit=50)
        second = apps.queue_page(db, admin, cursor=first.next_cursor, limit=50)
        template = second.items[0].app
        # one arrives among the rows already shown, one after everything
        early = _new_application(db, template, first.items[0].app.submitted_at, 2018)
        late = _new_application(db, template, dt.datetime(2030, 1, 1, tzinfo=dt.UTC), 2019)
        seen = [r.app.id for r in first.items]
        page = apps.queue_page(db, admin, cursor=first.next_cursor, limit=50)
        assert [r.app.id for r in page.items] == [r.app.id for r in second.items]
        while True:
            seen += [r.app.id for r in page.items]
            if not page.next_cursor:
                break
            page = apps.queue_page(db, admin, cursor=page.next_cursor, limit=50)
        assert len(seen) == len(set(seen))  # no row twice
        assert set(seen) == before | {late}  # none lost; the earlier arrival is on page one now
        assert early not in seen


def test_every_list_pages_without_gaps(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        admin = who(db, "admin")
        district = who(db, "district_dh")
        # others (district officer's view, one status), newest first
        paid = list(
            db.scalars(
                select(Application.id)
                .where(Application.status == "paid", Application.district == district.district)
                .order_by(Application.id.desc())
            )
        )
        rows, _ = walk(lambda c, n: apps.others_page(db, district, "paid", cursor=c, limit=n), 7)
        assert [r.app.id for r in rows] == paid and paid
        # payments in scope, newest first
        rows, _ = walk(lambda c, n: payments.payments_page(db, admin, cursor=c, limit=n), 41)
        assert [r.payment.id for r in rows] == list(
            db.scalars(select(Payment.id).order_by(Payment.id.desc()))
        )
        # noticed and not yet scheduled
        ready, _ = walk(lambda c, n: payments.ready_page(db, admin, cursor=c, limit=n), 13)
        scheduled = set(db.scalars(select(Payment.application_id)))
        noticed = db.scalars(select(Application.id).where(Application.status == "noticed"))
        assert [a.id for a, _name in ready] == sorted(set(noticed) - scheduled)
        # 公示 batches and the items of the biggest
        batches, _ = walk(lambda c, n: notices.batches_page(db, cursor=c, limit=n), 3)
        assert [b.id for b in batches] == list(
            db.scalars(select(NoticeBatch.id).order_by(NoticeBatch.id.desc()))
        )
        batch = db.get(NoticeBatch, batches[0].id)
        assert batch is not None
        items, _ = walk(lambda c, n: notices.items_page(db, batch, cursor=c, limit=n), 9)
        assert [i.application_id for i in items] == [
            i.application_id for i in notices.items(db, batch)
        ]
        # pushes and the audit trail
        pushes, _ = walk(lambda c, n: campaigns.pushes_page(db, admin, cursor=c, limit=n), 29)
        assert [r.push.id for r in pushes] == list(
            db.scalars(select(CampaignPush.id).order_by(CampaignPush.id))
        )
        trail, _ = walk(lambda c, n: audit.entries_page(db, cursor=c, limit=n), 200)
        assert [e.seq for e in trail] == list(range(len(trail), 0, -1))
        payments_only, _ = walk(
            lambda c, n: audit.entries_page(db, "payment", cursor=c, limit=n), 50
        )
        assert payments_only and {e.entity for e in payments_only} == {"payment"}


def test_cursor_and_limit_errors_name_the_field(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        admin = who(db, "admin")
        others = apps.others_page(db, admin, limit=5).next_cursor
        bad = [
            "not-a-cursor!",
            others,  # another list's cursor
            encode_cursor("queue", "a", [1]),  # wrong arity
            encode_cursor("queue", "a", ["x", 1]),  # a text where a time belongs
        ]
        for cursor in bad:
            with pytest.raises(ApiError) as err:
                apps.queue_page(db, admin, cursor=cursor, limit=5)
            assert err.value.errors[0]["path"] == "cursor"
            assert "cursor" in err.value.errors[0]["message"]
        with pytest.raises(ApiError) as err:
            apps.queue_page(db, admin, limit=3_000)
        assert err.value.errors[0]["path"] == "limit"


def _login(client: TestClient, username: str) -> None:
    r = client.post("/login", data={"username": username, "password": "demo123"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303


def test_pages_link_their_neighbours_and_json_twins_carry_the_cursor(scaled: FastAPI) -> None:
    with scaled.state.sessionmaker() as db:
        district = who(db, "district_dh")
        rows, _ = walk(lambda c, n: apps.queue_page(db, district, cursor=c, limit=n), 500)
        expected = [r.app.id for r in rows]
    assert len(expected) > 6
    with TestClient(scaled) as c:
        _login(c, "district_dh")
        ids: list[int] = []
        url = "/officer/queue?limit=3"
        while url:
            body = c.get(url, headers={"Accept": "application/json"}).json()
            ids += [a["id"] for a in body["queue"]]
            cursor = body["next_cursor"]
            url = f"/officer/queue?limit=3&cursor={cursor}" if cursor else ""
        assert ids == expected
        html = c.get("/officer/queue?limit=3").text
        assert "下一页" in html and "上一页" not in html
        second = c.get("/officer/queue?limit=3", headers={"Accept": "application/json"}).json()
        html = c.get(f"/officer/queue?limit=3&cursor={second['next_cursor']}").text
        assert "下一页" in html and "上一页" in html
        r = c.get("/officer/queue?cursor=garbage", headers={"Accept": "application/json"})
        assert r.status_code == 422 and "cursor" in r.json()["errors"][0]["message"]
        r = c.get("/officer/queue?cursor=garbage")
        assert r.status_code == 422 and "cursor" in r.text
        # the API's list: a JSON array, the next page's cursor in a header
        token = c.post("/api/v1/auth/login", json={"username": "admin", "password": "demo123"})
        h = {"Authorization": f"Bearer {token.json()['token']}"}
        got: list[int] = []
        params: dict[str, Any] = {"limit": 97}
        while True:
            r = c.get("/api/v1/applications", params=params, headers=h)
            assert r.status_code == 200
            got += [a["id"] for a in r.json()]
            if "X-Next-Cursor" not in r.headers:
                break
            assert 'rel="next"' in r.headers["Link"]
            params = {"limit": 97, "cursor": r.headers["X-Next-Cursor"]}
        assert got == sorted(got) and len(got) == len(set(got))
        r = c.get("/api/v1/applications", params={"cursor": "%%%"}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "cursor"


def test_counts_cover_every_page_not_just_this_one(scaled: FastAPI) -> None:
    """待我办理's total, a firm's drafts and a 公示 batch's size are COUNTs over every page."""
    with scaled.state.sessionmaker() as db:
        totals = {}
        for name in ("district_dh", "city_jx", "admin"):
            p = who(db, name)
            rows, _ = walk(lambda c, n, p=p: apps.queue_page(db, p, cursor=c, limit=n), 7)
            assert apps.queue_count(db, p) == len(rows)
            totals[name] = len(rows)
        assert totals["district_dh"] > 7 and totals["admin"] > totals["district_dh"]
        # the count reads at most cap + 1 rows: above the cap it says "more than cap"
        waiting = apps.scope_query(who(db, "admin")).where(
            Application.status.in_(apps.QUEUE_STATUSES["admin"])
        )
        assert bounded_count(db, waiting, cap=totals["admin"]) == totals["admin"]
        assert bounded_count(db, waiting, cap=7) == 8
        firm = db.scalar(
            select(Application.enterprise_id)
            .where(Application.status == "draft")
            .order_by(Application.enterprise_id)
        )
        assert firm is not None
        owner = Principal(user_id=0, username="firm", role="enterprise", enterprise_id=firm)
        mine, _ = walk(lambda c, n: apps.firm_page(db, owner, firm, cursor=c, limit=n), 2)
        drafts = sum(r.app.status == "draft" for r in mine)
        assert apps.firm_counts(db, owner, firm) == (len(mine), drafts) and drafts >= 1
        # an officer never counts the firm's private drafts
        assert apps.firm_counts(db, who(db, "admin"), firm) == (len(mine) - drafts, 0)
        biggest = (
            select(NoticeItem.batch_id)
            .group_by(NoticeItem.batch_id)
            .order_by(func.count().desc(), NoticeItem.batch_id)
            .limit(1)
        )
        batch = db.get(NoticeBatch, db.scalar(biggest))
        assert batch is not None
        items, _ = walk(lambda c, n: notices.items_page(db, batch, cursor=c, limit=n), 5)
        assert notices.items_count(db, batch) == len(items) > 5
        batch_id, last_item = batch.id, items[-1].application_id
    with TestClient(scaled) as c:
        _login(c, "district_dh")
        body = c.get("/officer/queue?limit=3", headers={"Accept": "application/json"}).json()
        assert len(body["queue"]) == 3 and body["queue_total"] == totals["district_dh"]
        assert body["queue_total_exact"] is True
        assert (
            f"待我办理（共 {totals['district_dh']} 条，本页 3 条"
            in c.get("/officer/queue?limit=3").text
        )
        # the batch's size over all pages; its application numbers are what the objection
        # form asks for (test_notice_pages objects to an item on a later page)
        page = c.get(f"/notices/{batch_id}?limit=5")
        assert f"名单共 {len(items)} 项" in page.text
        assert f">{last_item}</td>" not in page.text  # the last item is on a later page
        twin = c.get(f"/notices/{batch_id}?limit=5", headers={"Accept": "application/json"})
        assert twin.json()["items_total"] == len(items)


def test_paid_total_is_kept_with_each_payment(scaled: FastAPI) -> None:
    """已拨付合计 reads payment_totals: after parts are confirmed one by one it still equals the
    paid payments of each scope summed row by row, and a rebuild from the payments agrees."""
    with scaled.state.sessionmaker() as db:
        admin, district = who(db, "admin"), who(db, "district_dh")
        before = payments.total_paid_fen(db, district)
        ready = payments.ready_page(db, district, limit=4).items
        ready += payments.ready_page(db, admin, limit=8).items
        parts = 0
        for app, _name in ready:
            if db.scalar(select(Payment.id).where(Payment.application_id == app.id)) is None:
                for part in payments.schedule(db, admin, app.id):
                    payments.mark_paid(db, admin, part.id, f"V{part.id}")
                    parts += 1
        assert parts > len(ready) // 2 and payments.total_paid_fen(db, district) > before
        firm = db.scalar(select(Application.enterprise_id).where(Application.status == "paid"))
        people = [district, who(db, "city_jx"), admin]
        people.append(Principal(user_id=0, username="firm", role="enterprise", enterprise_id=firm))
        for p in people:
            scoped = set(db.scalars(apps.scope_query(p).with_only_columns(Application.id)))
            paid = db.scalars(select(Payment).where(Payment.status == "paid")).all()
            by_rows = sum(x.amount_fen for x in paid if x.application_id in scoped)
            assert by_rows > 0 and payments.total_paid_fen(db, p) == by_rows, p.username
        kept = db.execute(
            select(PaymentTotal).order_by(PaymentTotal.district, PaymentTotal.measure_id)
        )
        kept_rows = [(t.district, t.measure_id, t.paid_fen, t.paid_parts) for t in kept.scalars()]
        payment_totals.rebuild(db)
        again = db.scalars(
            select(PaymentTotal).order_by(PaymentTotal.district, PaymentTotal.measure_id)
        )
        assert [(t.district, t.measure_id, t.paid_fen, t.paid_parts) for t in again] == kept_rows
