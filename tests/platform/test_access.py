"""Every role is refused what it must not see or do (the role refusal matrix)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers.api import AsUser

API = "/api/v1"


@pytest.fixture
def apps(client: TestClient, as_user: AsUser) -> dict[str, int]:
    a1 = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=as_user("enterprise1"),
    )
    firm2 = as_user("enterprise2")
    project = client.get(f"{API}/enterprises/2", headers=firm2).json()["projects"][0]["id"]
    a2 = client.post(
        f"{API}/applications",
        json={
            "enterprise_id": 2,
            "measure_id": "3.1.1",
            "fiscal_year": 2023,
            "project_id": project,
        },
        headers=firm2,
    )
    assert a1.status_code == 201 and a2.status_code == 201
    return {"firm1": a1.json()["id"], "firm2": a2.json()["id"]}


def _matrix(a: dict[str, int]) -> dict[str, list[tuple[str, str, dict[str, object] | None]]]:
    review = {"outcome": "pass", "opinion": "x"}
    new_firm = {"credit_code": "91420100MA4K0A0014", "name": "x", "district": "江岸区"}
    return {
        "enterprise1": [
            ("GET", "/enterprises/2", None),  # another firm
            ("PATCH", "/enterprises/2", {"name": "改名"}),
            ("GET", f"/applications/{a['firm2']}", None),
            (
                "POST",
                "/applications",
                {"enterprise_id": 2, "measure_id": "2.6.1", "fiscal_year": 2023},
            ),
            ("POST", "/enterprises", new_firm),
            ("PATCH", "/enterprises/1", {"credit_status": "normal"}),  # credit is not self-declared
            ("POST", f"/reviews/{a['firm1']}/district", review),
            ("POST", f"/reviews/{a['firm1']}/decision", {"approve": True}),
            ("GET", "/reviews/queue", None),
            ("GET", "/audit", None),
            ("GET", "/stats", None),
            ("GET", "/tasks", None),
            ("GET", "/users", None),
            ("PUT", "/budgets", {"measure_id": "2.6.1", "fiscal_year": 2023, "total_fen": 1}),
            ("POST", "/campaigns", {"measure_id": "2.6.3", "fiscal_year": 2023, "title": "x"}),
            ("POST", f"/payments/applications/{a['firm1']}", None),
            ("POST", f"/applications/{a['firm1']}/return", {"reason": "x"}),  # officers only
            ("POST", f"/applications/{a['firm2']}/withdraw", {"reason": "x"}),  # not its own
            ("POST", f"/applications/{a['firm2']}/amend", {}),
            ("GET", f"/applications/{a['firm2']}/versions", None),
            ("GET", "/experts/assignments", None),
            ("GET", f"/experts/applications/{a['firm1']}", None),
            ("POST", f"/reviews/{a['firm1']}/experts", {"expert_ids": [1]}),
        ],
        "district_dh": [
            ("GET", "/enterprises/2", None),  # 江岸区 firm, officer of 东湖高新区
            ("GET", f"/applications/{a['firm2']}", None),
            ("POST", f"/reviews/{a['firm2']}/district", review),
            ("POST", f"/reviews/{a['firm1']}/city", review),
            ("POST", f"/reviews/{a['firm1']}/decision", {"approve": True}),
            (
                "POST",
                "/applications",
                {"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2022},
            ),
            ("PATCH", "/enterprises/1", {"name": "改名"}),
            ("GET", "/tasks", None),
            ("GET", "/audit", None),
            ("GET", "/budgets", None),
            ("POST", f"/applications/{a['firm2']}/return", {"reason": "x"}),  # other district
            ("POST", f"/applications/{a['firm1']}/withdraw", {"reason": "x"}),  # firm's own act
            ("POST", f"/reviews/{a['firm1']}/experts", {"expert_ids": [1]}),
            ("GET", "/experts/assignments", None),
        ],
        "city_kj": [
            ("GET", f"/applications/{a['firm2']}", None),  # 3.1.1 belongs to 市经信局
            ("POST", f"/reviews/{a['firm2']}/city", review),
            ("POST", f"/reviews/{a['firm1']}/district", review),
            ("POST", "/campaigns", {"measure_id": "3.1.1", "fiscal_year": 2023, "title": "x"}),
            ("PUT", "/budgets", {"measure_id": "2.6.1", "fiscal_year": 2023, "total_fen": 1}),
            ("POST", "/enterprises", new_firm),
            ("PATCH", "/enterprises/1", {"name": "改名"}),
            ("GET", "/users", None),
            ("GET", "/audit/verify", None),
        ],
        "expert1": [
            # an expert sees only what it was assigned (none here), never the firm's records
            ("GET", "/applications", None),
            ("GET", f"/applications/{a['firm1']}", None),
            ("GET", f"/applications/{a['firm1']}/versions", None),
            ("GET", f"/experts/applications/{a['firm1']}", None),
            (
                "POST",
                f"/experts/applications/{a['firm1']}/opinion",
                {"opinion": "agree", "score": 90, "conflict_declared": True},
            ),
            ("GET", "/enterprises", None),
            ("GET", "/enterprises/1", None),
            ("POST", "/enterprises", new_firm),
            ("PATCH", "/enterprises/1", {"name": "改名"}),
            ("DELETE", "/enterprises/1", None),
            ("PUT", "/enterprises/1/figures/2023", {"revenue_fen": 1}),
            ("GET", "/enterprises/1/credit", None),
            (
                "POST",
                "/applications",
                {"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
            ),
            ("POST", f"/applications/{a['firm1']}/withdraw", {"reason": "x"}),
            ("POST", f"/applications/{a['firm1']}/return", {"reason": "x"}),
            ("POST", f"/reviews/{a['firm1']}/district", review),
            ("POST", f"/reviews/{a['firm1']}/experts", {"expert_ids": [1]}),
            ("POST", f"/reviews/{a['firm1']}/expert", review),
            ("POST", f"/reviews/{a['firm1']}/decision", {"approve": True}),
            ("GET", "/reviews/queue", None),
            ("GET", "/reviews/experts", None),
            ("GET", "/stats", None),
            ("GET", "/budgets", None),
            ("GET", "/audit", None),
            ("GET", "/tasks", None),
            ("GET", "/users", None),
        ],
        "analyst": [
            ("GET", "/applications", None),
            ("GET", f"/applications/{a['firm1']}", None),
            ("GET", "/enterprises", None),
            ("GET", "/enterprises/1", None),
            (
                "POST",
                "/applications",
                {"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
            ),
            ("GET", "/tasks", None),
            ("GET", "/audit", None),
            ("POST", f"/reviews/{a['firm1']}/decision", {"approve": True}),
            ("GET", "/experts/assignments", None),
            ("POST", f"/applications/{a['firm1']}/return", {"reason": "x"}),
        ],
        "supervisor": [
            ("GET", "/applications", None),
            ("GET", "/enterprises/1", None),
            ("GET", "/stats", None),
            ("GET", "/budgets", None),
            ("POST", f"/reviews/{a['firm1']}/district", review),
            ("GET", "/audit", None),
        ],
        "admin": [
            ("POST", "/campaigns/pushes/1/confirm", None),  # only the firm itself confirms
            ("POST", f"/applications/{a['firm1']}/withdraw", {"reason": "x"}),  # the firm's act
            ("GET", "/experts/assignments", None),  # opinions are the expert's own
        ],
    }


def test_role_refusals(client: TestClient, as_user: AsUser, apps: dict[str, int]) -> None:
    failures = []
    for user, calls in _matrix(apps).items():
        h = as_user(user)
        for method, path, body in calls:
            r = client.request(method, API + path, json=body, headers=h)
            msg = r.json()["errors"][0]["message"] if r.status_code < 500 else ""
            if r.status_code not in (403, 404) or not msg:
                failures.append((user, method, path, r.status_code, r.text[:200]))
    assert not failures, failures


def test_scoped_lists(client: TestClient, as_user: AsUser, apps: dict[str, int]) -> None:
    def ids(user: str, path: str) -> set[int]:
        r = client.get(API + path, headers=as_user(user))
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()}

    assert ids("enterprise1", "/applications") == {apps["firm1"]}
    assert ids("enterprise1", "/enterprises") == {1}
    assert ids("district_dh", "/applications") == {apps["firm1"]}
    assert ids("district_ja", "/reviews/queue") == {apps["firm2"]}
    assert ids("city_kj", "/applications") == {apps["firm1"]}
    assert ids("city_jx", "/applications") == {
        apps["firm1"],
        apps["firm2"],
    }  # 2.6.1 names 市经信局 too
    assert ids("admin", "/applications") == {apps["firm1"], apps["firm2"]}
    assert client.get(f"{API}/stats", headers=as_user("analyst")).status_code == 200
    assert client.get(f"{API}/tasks", headers=as_user("supervisor")).status_code == 200
    assert ids("expert1", "/experts/assignments") == set()  # nothing assigned yet


def test_anonymous(client: TestClient, apps: dict[str, int]) -> None:
    client.cookies.clear()  # the fixture logged in; drop the session cookie
    for method, path in [
        ("GET", "/applications"),
        ("GET", "/enterprises/1"),
        ("GET", "/notices"),
        ("GET", "/audit/verify"),
        ("POST", "/auth/logout"),
    ]:
        r = client.request(method, API + path)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["errors"][0]["message"] == "请先登录"
    r = client.post(f"{API}/auth/login", json={"username": "admin", "password": "wrong"})
    assert r.status_code == 401 and r.json()["errors"][0]["message"] == "用户名或密码错误"
    assert client.get(f"{API}/health").status_code == 200


def test_logout_revokes(client: TestClient) -> None:
    r = client.post(f"{API}/auth/login", json={"username": "analyst", "password": "demo123"})
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    client.cookies.clear()
    assert client.get(f"{API}/auth/me", headers=h).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=h).status_code == 204
    r = client.get(f"{API}/auth/me", headers=h)
    assert r.status_code == 401 and "重新登录" in r.json()["errors"][0]["message"]


OPEN = {
    ("POST", "/api/v1/evaluate"),
    ("POST", "/api/v1/explain"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/health"),
    # liveness and readiness for load balancers and monitors (docs/operations.md)
    ("GET", "/health"),
    ("GET", "/ready"),
    # real-name objections from the public during 公示 (rate-limited; see test_public_objections)
    ("POST", "/api/v1/notices/{batch_id}/public-objections"),
    # the 上云资源池 list and the catalogue in force are published to everyone
    ("GET", "/api/v1/vouchers/public"),
    # the 供需对接平台 publishes its vocabulary, published entries, annual lists and events
    ("GET", "/api/v1/matching/fields"),
    ("GET", "/api/v1/matching/entries"),
    ("GET", "/api/v1/matching/entries/{entry_id}"),
    ("GET", "/api/v1/matching/lists"),
    ("GET", "/api/v1/matching/lists/{list_id}"),
    ("GET", "/api/v1/matching/lists/{list_id}/export.xlsx"),
    ("GET", "/api/v1/matching/events"),
    ("GET", "/api/v1/matching/events/{event_id}"),
    # the 揭榜挂帅 board: published tasks and their results are public
    ("GET", "/api/v1/challenges/board"),
    ("GET", "/api/v1/challenges/tasks/{task_id}"),
}


def test_every_endpoint_needs_login(client: TestClient) -> None:
    """Walk the OpenAPI spec: everything but the calculator, login and health answers 401."""
    client.cookies.clear()
    spec = client.get(f"{API}/openapi.json").json()
    checked = 0
    for path, ops in spec["paths"].items():
        for method in ops:
            if (method.upper(), path) in OPEN:
                continue
            url = path.replace("{measure_id}", "2.6.1").replace("{key}", "credit.block_enabled")
            for name in (
                "enterprise_id",
                "application_id",
                "batch_id",
                "payment_id",
                "push_id",
                "task_row_id",
                "version",
                "provider_id",
                "voucher_id",
                "catalogue_id",
                "entry_id",
                "contact_id",
                "list_id",
                "event_id",
                "task_id",
                "bid_id",
                "report_id",
                "index",
            ):
                url = url.replace("{" + name + "}", "1")
            url = url.replace("{year}", "2023").replace("{action}", "admit")
            r = client.request(method.upper(), url, json={})
            assert r.status_code == 401, (method, path, r.status_code, r.text)
            checked += 1
    assert checked > 40


def test_admin_suspends_user(client: TestClient, as_user: AsUser) -> None:
    victim = as_user("analyst")
    client.cookies.clear()
    assert client.get(f"{API}/auth/me", headers=victim).status_code == 200
    admin = as_user("admin")
    client.cookies.clear()
    users = {u["username"]: u["id"] for u in client.get(f"{API}/users", headers=admin).json()}
    r = client.patch(f"{API}/users/{users['analyst']}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get(f"{API}/auth/me", headers=victim).status_code == 401
    r = client.post(f"{API}/auth/login", json={"username": "analyst", "password": "demo123"})
    assert r.status_code == 401
    r = client.patch(f"{API}/users/{users['admin']}", json={"active": False}, headers=admin)
    assert r.status_code == 409
    r = client.post(
        f"{API}/users",
        json={"username": "city_new", "password": "secret99", "role": "city_officer", "units": []},
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "units"
