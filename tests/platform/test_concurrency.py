"""Budget pools never over-commit, even when 50 decisions race on separate connections."""

from __future__ import annotations

import threading

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from huiqi.platform.applications.models import Application
from huiqi.platform.audit.service import verify
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import SYSTEM, Principal
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.budgets.service import PoolIn, upsert_pool
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError
from huiqi.platform.reviews.schemas import DecisionIn
from huiqi.platform.reviews.service import decide
from huiqi.rules.credit_code import make_credit_code

AMOUNT = 10 * 10_000 * 100  # 10万元 in fen
N = 50


def _ready_applications(sm: sessionmaker[Session], n: int) -> list[int]:
    """n firms, each with a 1.3.1 application that passed review and awaits a decision."""
    ids = []
    with sm() as db:
        # room for exactly ten decisions, set as an admin would (audit verify reconciles it)
        upsert_pool(db, SYSTEM, PoolIn(measure_id="1.3.1", fiscal_year=2023, total_fen=10 * AMOUNT))
        for i in range(n):
            ent = Enterprise(
                credit_code=make_credit_code(f"91420100MA4L{i:05d}"),
                name=f"并发测试企业{i}",
                district="东湖高新区",
            )
            db.add(ent)
            db.flush()
            app = Application(
                enterprise_id=ent.id,
                measure_id="1.3.1",
                fiscal_year=2023,
                project_key=0,
                status="city_passed",
                policy_id="wuhan-digital-economy-2022",
                policy_version="2022.1",
                facts={},
                evaluation={},
                engine_status="discretionary",
                created_by="test",
            )
            db.add(app)
            db.flush()
            ids.append(app.id)
        db.commit()
    return ids


def _officer(sm: sessionmaker[Session]) -> Principal:
    with sm() as db:
        return Principal.of(db.scalars(select(User).where(User.username == "city_jx")).one())


def _race(
    sm: sessionmaker[Session], officer: Principal, app_ids: list[int]
) -> tuple[list[int], list[ApiError]]:
    barrier = threading.Barrier(len(app_ids))
    ok: list[int] = []
    refused: list[ApiError] = []
    other: list[BaseException] = []
    lock = threading.Lock()

    def worker(app_id: int) -> None:
        body = DecisionIn(approve=True, amount_fen=AMOUNT, reason="择优")
        barrier.wait()
        try:
            with sm() as db:  # one session = one connection per thread
                decide(db, officer, app_id, body)
            with lock:
                ok.append(app_id)
        except ApiError as e:
            with lock:
                refused.append(e)
        except BaseException as e:  # pragma: no cover - reported below
            with lock:
                other.append(e)

    threads = [threading.Thread(target=worker, args=(a,)) for a in app_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not other, other
    return ok, refused


@pytest.mark.slow
def test_fifty_parallel_decisions_commit_exactly_ten(app: FastAPI) -> None:
    sm = app.state.sessionmaker
    app_ids = _ready_applications(sm, N)
    ok, refused = _race(sm, _officer(sm), app_ids)
    assert len(ok) == 10
    assert len(refused) == N - 10
    assert {e.errors[0]["rule"] for e in refused} == {"budget_exceeded"}
    assert all("预算不足" in e.errors[0]["message"] for e in refused)
    with sm() as db:
        pool = db.scalar(
            select(BudgetPool).where(
                BudgetPool.measure_id == "1.3.1", BudgetPool.fiscal_year == 2023
            )
        )
        assert pool.committed_fen == pool.total_fen == 10 * AMOUNT
        approved = db.scalar(select(func.count()).where(Application.status == "approved"))
        assert approved == 10
        still_waiting = db.scalar(select(func.count()).where(Application.status == "city_passed"))
        assert still_waiting == N - 10
        assert verify(db).ok


def test_same_application_decided_once(app: FastAPI) -> None:
    sm = app.state.sessionmaker
    [app_id] = _ready_applications(sm, 1)
    ok, refused = _race(sm, _officer(sm), [app_id] * 8)
    assert len(ok) == 1
    assert {e.errors[0]["rule"] for e in refused} == {"wrong_status"}
    with sm() as db:
        pool = db.scalar(
            select(BudgetPool).where(
                BudgetPool.measure_id == "1.3.1", BudgetPool.fiscal_year == 2023
            )
        )
        assert pool.committed_fen == AMOUNT


@pytest.mark.slow
def test_fifty_parallel_http_decisions(database_url: str) -> None:
    """The same race through the real server (uvicorn subprocess, its own connection pool)."""
    import httpx

    from huiqi.server import create_app
    from tests.helpers.server_process import start_server
    from tests.helpers.web import free_port

    setup = create_app(database_url, seed_demo=True)
    app_ids = _ready_applications(setup.state.sessionmaker, N)
    setup.state.engine.dispose()
    port = free_port()
    proc = start_server(database_url, port)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        login = httpx.post(
            f"{base}/auth/login", json={"username": "city_jx", "password": "demo123"}
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        barrier = threading.Barrier(N)
        codes: list[int] = []
        lock = threading.Lock()

        def worker(app_id: int) -> None:
            with httpx.Client(timeout=60) as c:
                barrier.wait()
                r = c.post(
                    f"{base}/reviews/{app_id}/decision",
                    json={"approve": True, "amount_fen": AMOUNT, "reason": "择优"},
                    headers=headers,
                )
                with lock:
                    codes.append(r.status_code)

        threads = [threading.Thread(target=worker, args=(a,)) for a in app_ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(codes) == [200] * 10 + [409] * (N - 10)
        pools = httpx.get(f"{base}/budgets", params={"fiscal_year": 2023}, headers=headers).json()
        pool = next(p for p in pools if p["measure_id"] == "1.3.1")
        assert pool["committed_fen"] == pool["total_fen"] == 10 * AMOUNT
    finally:
        proc.terminate()
        proc.wait(10)
