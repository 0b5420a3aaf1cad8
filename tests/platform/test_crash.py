"""Crash safety: kill -9 the server while submissions are in flight, restart, and check that no
committed application was lost and no half-written one exists."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select

from huiqi.platform.applications.models import Application
from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.audit.service import verify
from huiqi.platform.enterprises.models import AnnualFigure, Enterprise
from huiqi.rules.credit_code import make_credit_code
from huiqi.server import create_app
from tests.helpers.server_process import start_server
from tests.helpers.web import free_port

N_FIRMS = 60
WAN = 10_000 * 100


def _firms(url: str) -> list[int]:
    app = create_app(url, seed_demo=True)
    ids = []
    with app.state.sessionmaker() as db:
        for i in range(N_FIRMS):
            ent = Enterprise(
                credit_code=make_credit_code(f"91420100MA4M{i:05d}"),
                name=f"崩溃测试软件企业{i}",
                district="东湖高新区",
                is_software=True,
            )
            db.add(ent)
            db.flush()
            db.add(
                AnnualFigure(
                    enterprise_id=ent.id,
                    year=2023,
                    revenue_fen=2000 * WAN,
                    rd_expense_fen=400 * WAN,
                )
            )
            ids.append(ent.id)
        db.commit()
    app.state.engine.dispose()
    return ids


@pytest.mark.slow
def test_kill_during_submission(database_url: str) -> None:
    firm_ids = _firms(database_url)
    port = free_port()
    proc = start_server(database_url, port)
    base = f"http://127.0.0.1:{port}/api/v1"
    token = httpx.post(
        f"{base}/auth/login", json={"username": "admin", "password": "demo123"}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: dict[int, int] = {}  # firm -> application id the server confirmed (201)
    lock = threading.Lock()
    queue = list(firm_ids)

    def worker() -> None:
        with httpx.Client(timeout=10) as c:
            while True:
                with lock:
                    if not queue:
                        return
                    firm = queue.pop()
                body = {"enterprise_id": firm, "measure_id": "2.6.1", "fiscal_year": 2023}
                try:
                    r = c.post(
                        f"{base}/applications",
                        json=body,
                        headers={**headers, "Idempotency-Key": f"crash-{firm}"},
                    )
                except httpx.HTTPError:
                    continue  # the server died under this request: outcome unknown
                if r.status_code == 201:
                    with lock:
                        acknowledged[firm] = r.json()["id"]

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    while len(acknowledged) < 10:
        time.sleep(0.005)
    os.kill(
        proc.pid, signal.SIGKILL
    )  # no shutdown hooks, no flush, connections cut mid-transaction
    proc.wait()
    for t in threads:
        t.join(30)
    assert 10 <= len(acknowledged) < N_FIRMS, "the kill should land while submissions are in flight"

    proc = start_server(database_url, port)
    try:
        app = create_app(database_url)
        with app.state.sessionmaker() as db:
            rows = list(
                db.scalars(select(Application).where(Application.enterprise_id.in_(firm_ids)))
            )
            by_firm = {a.enterprise_id: a for a in rows}
            # nothing acknowledged was lost
            for firm, app_id in acknowledged.items():
                assert by_firm[firm].id == app_id
            # nothing half-written: every row is complete and has its audit entry
            submitted = set(
                db.scalars(
                    select(AuditEntry.entity_id).where(AuditEntry.action == "application.submit")
                )
            )
            for a in rows:
                assert a.status == "submitted" and a.facts["annual"] and a.evaluation["row"]
                assert a.engine_status == "eligible" and a.engine_amount_fen == 40 * WAN
                assert str(a.id) in submitted
            assert verify(db).ok
        app.state.engine.dispose()
        # retrying every request after the restart yields exactly one application per firm
        with httpx.Client(timeout=10) as c:
            for firm in firm_ids:
                body = {"enterprise_id": firm, "measure_id": "2.6.1", "fiscal_year": 2023}
                r = c.post(
                    f"{base}/applications",
                    json=body,
                    headers={**headers, "Idempotency-Key": f"crash-{firm}"},
                )
                assert r.status_code in (200, 201), r.text
                if firm in acknowledged:
                    assert r.status_code == 200 and r.json()["id"] == acknowledged[firm]
        app = create_app(database_url)
        with app.state.sessionmaker() as db:
            n = db.scalar(select(func.count()).where(Application.enterprise_id.in_(firm_ids)))
            assert n == N_FIRMS
        app.state.engine.dispose()
    finally:
        proc.terminate()
        proc.wait(10)
