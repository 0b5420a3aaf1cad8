"""免申即享 on the admin pages: start (queued as a job), progress, results, the one-per-measure-
and-year rule beside the field, cancellation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers.jobs import drain

WAN = 10_000 * 100


def test_admin_starts_a_campaign_and_reads_its_results(app: Any, client_for: Any) -> None:
    admin: TestClient = client_for("admin")
    r = admin.post(
        "/admin/campaigns",
        data={"measure_id": "2.6.3", "fiscal_year": "2023", "title": "DCMM 奖励免申即享"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    detail = r.headers["location"]
    queued = admin.get(f"{detail}?format=json").json()
    assert queued["job"]["state"] == "queued" and queued["cancellable"] is True
    assert queued["results"] == []

    drain(app)  # the job worker runs it
    done = admin.get(f"{detail}?format=json").json()
    assert done["job"]["state"] == "done" and done["job"]["percent"] == 100
    assert done["campaign"]["screened"] == 3 and done["campaign"]["candidates"] == 1
    [row] = done["results"]
    assert row["amount_fen"] == 20 * WAN and row["response"] == "pending"
    page = admin.get(detail).text
    assert "筛查企业 3 家，符合条件并推送 1 家" in page and "¥200,000.00" in page
    listing = admin.get("/admin/campaigns?format=json").json()["campaigns"]
    assert [(c["measure_id"], c["state"]) for c in listing] == [("2.6.3", "done")]

    # the same measure and year again: refused beside the field, nothing queued
    again = admin.post(
        "/admin/campaigns",
        data={"measure_id": "2.6.3", "fiscal_year": "2023", "title": "再次筛查"},
    )
    assert again.status_code == 422 and 'id="e-measure_id"' in again.text
    assert "只能发起一次" in again.text
    assert len(admin.get("/admin/campaigns?format=json").json()["campaigns"]) == 1


def test_campaign_form_errors_and_cancel(app: Any, client_for: Any) -> None:
    admin: TestClient = client_for("admin")
    r = admin.post(
        "/admin/campaigns?format=json",
        data={"measure_id": "1.3.1", "fiscal_year": "2023", "title": "择优类"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "measure_id"  # discretionary measures need applications
    r = admin.post(
        "/admin/campaigns?format=json",
        data={"measure_id": "2.6.1", "fiscal_year": "二〇二三", "title": ""},
    )
    assert {e["path"] for e in r.json()["errors"]} >= {"fiscal_year", "title"}

    r = admin.post(
        "/admin/campaigns",
        data={"measure_id": "2.6.2", "fiscal_year": "2023", "title": "营收增长奖励"},
        follow_redirects=False,
    )
    detail = r.headers["location"]
    r = admin.post(f"{detail}/cancel", follow_redirects=False)
    assert r.status_code == 303
    cancelled = admin.get(f"{detail}?format=json").json()
    assert cancelled["job"]["state"] == "cancelled" and cancelled["cancellable"] is False
    assert drain(app) == []  # nothing left to run
    # a cancelled campaign does not block a new one for the same measure and year
    r = admin.post(
        "/admin/campaigns",
        data={"measure_id": "2.6.2", "fiscal_year": "2023", "title": "营收增长奖励（重新发起）"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_campaign_pages_are_for_admins_only(client_for: Any) -> None:
    officer = client_for("city_kj")
    assert officer.get("/admin/campaigns").status_code == 403
    r = officer.post(
        "/admin/campaigns", data={"measure_id": "2.6.3", "fiscal_year": "2023", "title": "x"}
    )
    assert r.status_code == 403
    assert client_for("admin").get("/admin/campaigns/999999").status_code == 404
