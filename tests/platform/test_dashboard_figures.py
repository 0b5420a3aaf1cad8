"""The dashboard's aggregates (computed by the database) equal the same figures computed here
row by row in Python; on PostgreSQL the list queries read their index, not the whole table."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event, select

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications import service as apps
from huiqi.platform.applications.models import AWARDED, Application
from huiqi.platform.audit import service as audit
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.dashboard import rollup
from huiqi.platform.dashboard import service as figures
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.payments import service as payments
from huiqi.platform.reviews.models import ReviewStep
from huiqi.platform.scale import seed_applications, seed_registry
from huiqi.platform.scale_history import seed_history

BEIJING = ZoneInfo("Asia/Shanghai")


def _seed(app: FastAPI, firms: int, count: int) -> None:
    with app.state.sessionmaker() as db:
        first = seed_registry(db, firms, seed=5)
        seed_history(db, seed_applications(db, count, first_enterprise=first, firms=firms))
        db.commit()


def test_dashboard_equals_figures_counted_row_by_row(app: FastAPI, seeded: bool = False) -> None:
    if not seeded:
        _seed(app, 80, 900)
    with app.state.sessionmaker() as db:
        rows = db.execute(
            select(Application.id, Application.status, Application.fiscal_year,
                   Application.decided_amount_fen, Application.submitted_at, Enterprise.district)
            .join(Enterprise, Enterprise.id == Application.enterprise_id)
        ).all()  # fmt: skip
        approvals: dict[int, dt.datetime] = {}
        for app_id, when in db.execute(
            select(ReviewStep.application_id, ReviewStep.created_at).where(
                ReviewStep.stage == "decision", ReviewStep.outcome == "approve"
            )
        ):
            approvals[app_id] = max(when, approvals.get(app_id, when))
        for fy in (None, 2023):
            got = figures.dashboard(db, fy)
            chosen = [r for r in rows if fy is None or r.fiscal_year == fy]
            counts: dict[str, int] = defaultdict(int)
            for r in rows:
                if r.status != "draft":
                    counts[r.status] += 1
            assert got["status_counts"] == counts
            by_district: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
            for r in chosen:
                if r.status in AWARDED:
                    by_district[(r.district, r.fiscal_year)][0] += r.decided_amount_fen or 0
                    by_district[(r.district, r.fiscal_year)][1] += 1
            assert {
                (d["district"], d["fiscal_year"]): [d["committed_fen"], d["applications"]]
                for d in got["by_district"]
            } == by_district
            committed: dict[str, int] = defaultdict(int)
            submitted: dict[str, int] = defaultdict(int)
            for r in chosen:
                if r.status in AWARDED and r.id in approvals:
                    month = approvals[r.id].astimezone(BEIJING).strftime("%Y-%m")
                    committed[month] += r.decided_amount_fen or 0
                if r.status != "draft":
                    submitted[r.submitted_at.astimezone(BEIJING).strftime("%Y-%m")] += 1
            running, points = 0, []
            for m in sorted(set(committed) | set(submitted)):
                running += committed.get(m, 0)
                points.append(
                    {
                        "month": m,
                        "committed_fen": committed.get(m, 0),
                        "cumulative_fen": running,
                        "submitted": submitted.get(m, 0),
                    }
                )
            assert got["points"] == points
            assert all(isinstance(p["cumulative_fen"], int) for p in points)
            assert sum(counts.values()) > 0 and points


def test_month_boundary_is_beijing_time(app: FastAPI) -> None:
    """23:30 UTC on 31 January is 1 February in Beijing: it counts in February."""
    _seed(app, 5, 10)
    with app.state.sessionmaker() as db:
        db.execute(sa.update(Application).values(
            submitted_at=dt.datetime(2024, 1, 31, 23, 30, tzinfo=dt.UTC), status="submitted"
        ))  # fmt: skip
        rollup.rebuild(db)  # a raw UPDATE bypasses the writers that keep the rollup current
        db.commit()
        assert figures.monthly_submitted(db, None) == {"2024-02": 10}


def _mix_of_moves(db: Any) -> dict[str, int]:
    """Take the lifecycle's moves on seeded applications as an admin: pass, approve (with its
    decision step), publish, uphold an objection, pass the notice, pay, reject, withdraw,
    return and amend; returns how many of each were taken."""
    admin = Principal.of(db.scalars(select(User).where(User.username == "admin")).one())
    firm_of: dict[int, Principal] = {}
    taken: dict[str, int] = defaultdict(int)

    def go(app: Application, action: lifecycle.Action, **changes: Any) -> None:
        who = admin
        if action in (lifecycle.Action.WITHDRAW, lifecycle.Action.AMEND):
            who = firm_of.setdefault(
                app.enterprise_id,
                Principal(user_id=0, username="firm", role="enterprise",
                          enterprise_id=app.enterprise_id),
            )  # fmt: skip
        lifecycle.LIFECYCLE.move(db, app, who, action, **changes)
        taken[action.value] += 1

    A = lifecycle.Action
    later = dt.datetime(2024, 11, 30, 17, 0, tzinfo=dt.UTC)  # 1 December in Beijing
    waiting = db.scalars(select(Application).where(Application.status == "submitted")).all()
    for k, app in enumerate(waiting):
        if k % 5 == 0:
            go(app, A.WITHDRAW, decision_reason="不再申报")
            continue
        if k % 7 == 0:
            go(app, A.RETURN)
            go(app, A.AMEND, submitted_at=later)
            continue
        go(app, A.DISTRICT_PASS)
        if k % 3 == 0:
            go(app, A.CITY_REJECT, decision_reason="不符合")
            continue
        go(app, A.CITY_PASS)
        when = later + dt.timedelta(days=k % 40)
        db.add(ReviewStep(application_id=app.id, stage="decision", outcome="approve",
                          reviewer="admin", created_at=when))  # fmt: skip
        go(app, A.APPROVE, decided_amount_fen=(k + 1) * 10_000)
        if k % 2:
            go(app, A.PUBLISH)
            if k % 4 == 1:
                go(app, A.OBJECTION_UPHELD)
            else:
                go(app, A.NOTICE_PASSED)
                go(app, A.PAID)
    return taken


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_rollup_kept_by_every_move_equals_a_rebuild(app: FastAPI) -> None:
    _seed(app, 60, 700)
    with app.state.sessionmaker() as db:
        taken = _mix_of_moves(db)
        db.commit()
        assert all(taken[a] > 0 for a in ("withdraw", "amend", "city_reject", "approve",
                                          "objection_upheld", "paid"))  # fmt: skip
        incremental = rollup.snapshot_table(db)
        rollup.rebuild(db)
        db.commit()
        assert rollup.snapshot_table(db) == incremental
        assert sum(n for n, _ in incremental.values()) == db.scalar(
            select(sa.func.count()).select_from(Application).where(Application.status != "draft")
        )
    test_dashboard_equals_figures_counted_row_by_row(app, seeded=True)


def _plans(db: Any, call: Any) -> list[str]:
    """EXPLAIN of every SELECT `call` runs, as PostgreSQL would execute it now."""
    statements: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    raw = db.connection().connection.driver_connection
    out = []
    with raw.cursor() as cur:
        for statement, parameters in statements:
            cur.execute("EXPLAIN " + statement, parameters)
            out.append("\n".join(row[0] for row in cur.fetchall()))
    return out


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_list_queries_read_an_index_not_the_table(app: FastAPI) -> None:
    """With 30,000 applications (and fresh statistics) no list query scans `applications`."""
    if os.environ.get("HUIQI_SKIP_SLOW_PG"):
        pytest.skip("HUIQI_SKIP_SLOW_PG set")
    _seed(app, 2500, 30_000)
    with app.state.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    with app.state.sessionmaker() as db:

        def principal(name: str) -> Principal:
            return Principal.of(db.scalars(select(User).where(User.username == name)).one())

        district, city, admin = principal("district_dh"), principal("city_jx"), principal("admin")
        firm = db.scalar(select(Application.enterprise_id).order_by(Application.id.desc()))
        first = apps.queue_page(db, district, limit=20)
        calls = {
            "queue (district)": lambda: apps.queue_page(db, district, limit=50),
            "queue page 2": lambda: apps.queue_page(db, district, cursor=first.next_cursor),
            "queue (city)": lambda: apps.queue_page(db, city, limit=50),
            "others by status": lambda: apps.others_page(db, district, "paid", limit=50),
            "firm's list": lambda: apps.firm_page(db, admin, int(firm or 0), limit=50),
            "ready to pay": lambda: payments.ready_page(db, district, limit=50),
            # (the admin's total may be a seq scan here: a quarter of 30,000 rows wait, so the
            # 1,001st is found within ~4,000 rows; at 1M it is an index-only scan)
            "queue totals": lambda: [apps.queue_count(db, who) for who in (district, city)],
            "audit": lambda: audit.entries_page(db, "payment", limit=50),
        }
        for name, call in calls.items():
            for plan in _plans(db, call):
                assert "Seq Scan on applications" not in plan, (name, plan)
                assert "Seq Scan on audit_log" not in plan, (name, plan)
                assert "Index" in plan, (name, plan)
