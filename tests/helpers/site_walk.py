"""A site with something on every page, and a crawler that finds every page a role can reach.

The world is built through the platform's own API (the same services the pages call): claims
waiting at each review step, one decided, announced in a closed 公示 batch and scheduled for
payment, one in an open 公示 batch, a draft, a returned claim and a finished screening job.
The crawler then follows every same-site link a role's pages show, once per page shape
(`/officer/applications/3` and `/officer/applications/4` are one shape).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.clock import business_today
from huiqi.platform.demo import WAN, seed_applications
from tests.helpers.jobs import drain
from tests.helpers.web import login

API = "/api/v1"
ROLES = (
    None,  # the public, not logged in
    "enterprise1",
    "district_dh",
    "city_kj",
    "city_jx",
    "expert1",
    "analyst",
    "supervisor",
    "admin",
)
# Links a crawler must not follow: they change state, download files or are a page's JSON twin.
SKIP = re.compile(r"/logout|/download|\.(xlsx|csv|pdf)(\?|$)|format=json|/api/|/static/|/evidence/")
REGISTRY = (
    "credit_code,software_enterprise,revenue,revenue_previous_year,rd_expense,dcmm_level,"
    "name,district\n"
    "91420100MA4K0A001X,true,8000000,5000000,1300000,3,武汉示例甲软件有限公司,东湖高新区\n"
    "91420102MA4K0B002X,false,30000000,20000000,900000,,武汉示例乙制造有限公司,江岸区\n"
)


def _client(app: FastAPI, username: str | None) -> TestClient:
    c = TestClient(app)
    if username:
        login(c, username)
    return c


def _ok(r: Any, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201)), r.text
    return r.json()


@contextmanager
def business_day(day: str) -> Iterator[None]:
    """Run a step on another business date (the demo clock), then return to the test's date.

    A 公示 may not start before the day it is published, so a batch that has already run its
    period is published on an earlier business day rather than backdated. Module-scoped servers
    build the world too, so this sets the variable itself instead of using monkeypatch.
    """
    old = os.environ.get("HUIQI_TODAY")
    os.environ["HUIQI_TODAY"] = day
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("HUIQI_TODAY", None)
        else:
            os.environ["HUIQI_TODAY"] = old


def build_world(app: FastAPI) -> dict[str, Any]:
    """Claims in every state a page shows; returns their ids."""
    with app.state.sessionmaker() as db:
        seed_applications(db)
        db.commit()
    c: dict[str, TestClient] = {u: _client(app, u) for u in ROLES if u}
    firm, dh, kj = c["enterprise1"], c["district_dh"], c["city_kj"]
    mine = _ok(firm.get(f"{API}/applications"))
    by_measure = {a["measure_id"]: a["id"] for a in mine}
    decided = by_measure["2.6.1"]
    _ok(dh.post(f"{API}/reviews/{decided}/district", json={"outcome": "pass", "opinion": "齐全"}))
    _ok(kj.post(f"{API}/reviews/{decided}/city", json={"outcome": "pass"}))
    _ok(kj.post(f"{API}/reviews/{decided}/decision", json={"approve": True}))
    # the first batch was published two weeks ago; its five working days are over today
    with business_day("2024-06-03"):
        closed = _ok(
            kj.post(
                f"{API}/notices",
                json={
                    "title": "2023年度第一批拟支持名单",
                    "application_ids": [decided],
                    "start_date": "2024-06-03",
                },
            )
        )
    _ok(kj.post(f"{API}/notices/{closed['id']}/close"))
    _ok(kj.post(f"{API}/payments/applications/{decided}"))
    # a second claim, decided and listed in a batch still open today (the objection form)
    second = _ok(
        firm.post(
            f"{API}/applications",
            json={"enterprise_id": 1, "measure_id": "2.6.2", "fiscal_year": 2023},
            headers={"Idempotency-Key": "walk-262"},
        )
    )["id"]
    _ok(dh.post(f"{API}/reviews/{second}/district", json={"outcome": "pass"}))
    _ok(kj.post(f"{API}/reviews/{second}/city", json={"outcome": "pass"}))
    _ok(kj.post(f"{API}/reviews/{second}/decision", json={"approve": True}))
    open_batch = _ok(
        kj.post(
            f"{API}/notices",
            json={
                "title": "2023年度第二批拟支持名单",
                "application_ids": [second],
                "start_date": business_today().isoformat(),
            },
        )
    )
    # 1.3.1 of the software firm goes back for correction
    returned = by_measure["1.3.1"]
    _ok(
        dh.post(
            f"{API}/applications/{returned}/return",
            json={"reason": "请补充节点接入企业名单"},
        ),
        200,
        201,
    )
    # a draft, private to the firm
    firm.post(
        "/enterprise/drafts",
        data={"measure": "2.6.3", "fiscal_year": "2023"},
        follow_redirects=False,
    )
    # a finished screening job with firm names and districts
    r = c["analyst"].post(
        "/analyst/screening",
        data={"fiscal_year": "2023", "as_of": "2024-06-30"},
        files={"file": ("登记册.csv", REGISTRY.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    drain(app)  # what the job worker process does
    assert c["analyst"].get(job_url + "?format=json").json()["job"]["state"] == "done"
    # a 揭榜 on the demo board's first task, with an expert invited to score it
    task = _ok(firm.get(f"{API}/challenges/board"))["batches"][0]["tasks"][0]
    bid = {"plan": "分两期实施", "budget_fen": 300 * WAN,
           "milestones": [{"title": "一期上线", "due": "2024-09-30"}]}  # fmt: skip
    bid_id = _ok(firm.post(f"{API}/challenges/tasks/{task['id']}/bids", json=bid))["id"]
    experts = _ok(c["admin"].get(f"{API}/users"))
    expert1 = next(u["id"] for u in experts if u["username"] == "expert1")
    invite = {"expert_ids": [expert1]}
    _ok(c["city_jx"].post(f"{API}/challenges/bids/{bid_id}/experts", json=invite))
    for client in c.values():
        client.close()
    return {
        "decided": decided,
        "second": second,
        "returned": returned,
        "closed_batch": closed["id"],
        "open_batch": open_batch["id"],
        "job_url": job_url,
        "payment_amount_fen": 40 * WAN,
    }


def shape(url: str) -> str:
    """One representative per page shape: ids become N, the query string is dropped."""
    path = urlsplit(url).path
    return re.sub(r"/[0-9a-f]{12}(?=/|$)|/\d+(\.\d+)*(?=/|$)", "/N", path)


def crawl(links_of: Callable[[str], list[str]], start: list[str], limit: int = 60) -> list[str]:
    """Breadth first over same-site links, one URL per page shape."""
    seen: set[str] = set()
    order: list[str] = []
    todo = list(start)
    while todo and len(order) < limit:
        url = todo.pop(0)
        key = shape(url)
        if key in seen or SKIP.search(url):
            continue
        seen.add(key)
        order.append(url)
        todo.extend(u for u in links_of(url) if shape(u) not in seen and not SKIP.search(u))
    return order
