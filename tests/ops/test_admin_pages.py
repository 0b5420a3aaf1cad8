"""系统管理 pages: admin only; accounts, budgets, parameters, calendar and audit through the forms,
each change visible in the page, its JSON twin and the audit chain."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from huiqi.platform.credit.service import DEFAULTS
from tests.helpers.web import login

ADMIN_PAGES = [
    "/admin/users",
    "/admin/budgets",
    "/admin/parameters",
    "/admin/calendar",
    "/admin/audit",
]


def test_admin_pages_are_for_admins_only(client_for: Any) -> None:
    anonymous, officer, admin = client_for(), client_for("city_jx"), client_for("admin")
    for path in ADMIN_PAGES:
        r = anonymous.get(path, follow_redirects=False)
        assert r.status_code == 303 and "/login?next=" in r.headers["location"], path
        assert officer.get(path).status_code == 403, path
        assert officer.get(f"{path}?format=json").status_code == 403, path
        r = admin.get(path)
        assert r.status_code == 200, path
        assert 'lang="zh-CN"' in r.text
        assert admin.get(f"{path}?format=json").json()["page"]
    r = officer.post(
        "/admin/users", data={"username": "x1", "password": "secret-12", "role": "admin"}
    )
    assert r.status_code == 403
    assert "x1" not in [
        u["username"] for u in admin.get("/admin/users?format=json").json()["users"]
    ]


def test_admin_creates_disables_and_resets_an_account(client_for: Any) -> None:
    admin: TestClient = client_for("admin")
    r = admin.post(
        "/admin/users",
        data={
            "username": "dh_new",
            "display_name": "东湖新审核员",
            "role": "district_officer",
            "password": "Initial-pass-1",
            "district": "东湖高新区",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    users = {u["username"]: u for u in admin.get("/admin/users?format=json").json()["users"]}
    assert users["dh_new"]["scope"] == "东湖高新区" and users["dh_new"]["active"]

    newcomer = client_for()
    login(newcomer, "dh_new", "Initial-pass-1")
    assert newcomer.get("/officer/queue").status_code == 200

    uid = users["dh_new"]["id"]
    assert admin.post(f"/admin/users/{uid}", data={"action": "disable"}).status_code == 200
    # the open session ends with the suspension
    r = newcomer.get("/officer/queue", follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    admin.post(f"/admin/users/{uid}", data={"action": "enable"})
    admin.post(f"/admin/users/{uid}", data={"action": "password", "password": "Second-pass-2"})
    r = newcomer.post("/login", data={"username": "dh_new", "password": "Initial-pass-1"})
    assert r.status_code == 400
    login(newcomer, "dh_new", "Second-pass-2")

    audit = admin.get("/admin/audit?format=json&entity=user").json()["entries"]
    actions = [e["action"] for e in audit if e["entity_id"] == str(uid)]
    assert actions.count("user.update") == 3 and "user.create" in actions
    check = admin.get("/admin/audit?format=json&check=1").json()["verification"]
    assert check["ok"] is True


def test_account_form_errors_are_shown_beside_the_field(client_for: Any) -> None:
    admin: TestClient = client_for("admin")
    r = admin.post(
        "/admin/users?format=json",
        data={"username": "a b", "role": "district_officer", "password": "short"},
    )
    assert r.status_code == 422
    paths = {e["path"] for e in r.json()["errors"]}
    assert {"username", "password"} <= paths
    r = admin.post(
        "/admin/users",
        data={"username": "cityx", "role": "city_officer", "password": "long-enough-1"},
    )
    assert r.status_code == 422
    assert 'id="e-units"' in r.text and "责任单位" in r.text
    r = admin.post(
        "/admin/users",
        data={
            "username": "firm9",
            "role": "enterprise",
            "password": "long-enough-1",
            "credit_code": "91420100XXXXXXXXXX",
        },
    )
    assert r.status_code == 422 and 'id="e-credit_code"' in r.text
    r = admin.post(
        "/admin/users", data={"username": "admin", "role": "admin", "password": "long-enough-1"}
    )
    assert r.status_code == 422 and "已存在" in r.text


def test_admin_sets_a_budget_typed_in_wan(client_for: Any) -> None:
    admin: TestClient = client_for("admin")
    r = admin.post(
        "/admin/budgets",
        data={"measure_id": "2.6.3", "fiscal_year": "2024", "total": "1.5亿"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    pools = admin.get("/admin/budgets?format=json").json()["pools"]
    pool = next(p for p in pools if p["measure_id"] == "2.6.3" and p["fiscal_year"] == 2024)
    assert pool["total_fen"] == 15_000_000_000
    r = admin.post(
        "/admin/budgets", data={"measure_id": "2.6.3", "fiscal_year": "2024", "total": "很多"}
    )
    assert r.status_code == 422 and 'id="e-total"' in r.text
    r = admin.post(
        "/admin/budgets", data={"measure_id": "9.9.9", "fiscal_year": "2024", "total": "1万"}
    )
    assert r.status_code == 422


def test_admin_changes_parameters(client_for: Any) -> None:
    admin: TestClient = client_for("admin")
    admin.post("/admin/parameters/credit.penalty_months", data={"value": "24"})
    admin.post("/admin/parameters/credit.block_enabled", data={"value": "0"})
    admin.post("/admin/parameters/review.expert_measures", data={"value": "1.3.1、2.7.1"})
    values = {
        p["key"]: p["value"]
        for p in admin.get("/admin/parameters?format=json").json()["parameters"]
    }
    changed = {
        k: values[k]
        for k in ("credit.penalty_months", "credit.block_enabled", "review.expert_measures")
    }
    assert changed == {
        "credit.penalty_months": 24,
        "credit.block_enabled": False,
        "review.expert_measures": ["1.3.1", "2.7.1"],
    }
    assert set(values) == set(DEFAULTS)  # every parameter has its form
    labels = admin.get("/admin/parameters").text
    # each key is shown as code (marked typed-verbatim, so its attributes may vary)
    assert all(re.search(rf"<code[^>]*>{re.escape(k)}</code>", labels) for k in DEFAULTS)
    r = admin.post("/admin/parameters/credit.penalty_months", data={"value": "三年"})
    assert r.status_code == 422 and "整数" in r.text
    api = admin.get("/api/v1/parameters").json()
    assert api["credit.penalty_months"] == 24


def test_admin_records_a_holiday_calendar_year(client_for: Any) -> None:
    admin: TestClient = client_for("admin")
    year = 2031
    assert (
        admin.get(f"/admin/calendar?year={year}&format=json").json()["calendar"]["source"]
        == "missing"
    )
    days = "2031-01-01,法定节假日,元旦\n2031-01-04,调休上班,元旦调休"
    r = admin.post(
        "/admin/calendar", data={"year": str(year), "days": days}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    view = admin.get(f"/admin/calendar?year={year}&format=json").json()["calendar"]
    assert view["source"] == "recorded"
    assert [(d["date"], d["kind"]) for d in view["days"]] == [
        ("2031-01-01", "holiday"),
        ("2031-01-04", "workday"),
    ]
    r = admin.post("/admin/calendar", data={"year": str(year), "days": "2031-13-01,法定节假日,错"})
    assert r.status_code == 422 and 'id="e-days"' in r.text
