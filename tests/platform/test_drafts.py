"""Draft applications: saved, edited, deleted and submitted by the firm; invisible to everyone else.

Runs on SQLite and PostgreSQL like every platform test. Drafts here are enterprise 1's 2.6.2 and
2.6.3 claims for 2023; nothing depends on whether demo applications were seeded.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers.jobs import run_campaign

API = "/api/v1"
DRAFT = {"enterprise_id": 1, "measure_id": "2.6.2", "fiscal_year": 2023, "statement": "初稿"}


def _audit(client: TestClient, as_user: Any, app_id: int) -> list[str]:
    r = client.get(
        f"{API}/audit",
        params={"entity": "application", "entity_id": str(app_id), "limit": 1000},
        headers=as_user("admin"),
    )
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()]


def _save(client: TestClient, as_user: Any, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        f"{API}/applications/drafts", json=body or DRAFT, headers=as_user("enterprise1")
    )


def test_create_update_delete_draft(client: TestClient, as_user: Any) -> None:
    firm = as_user("enterprise1")
    r = _save(client, as_user)
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["status"] == "draft" and draft["statement"] == "初稿"

    r = _save(client, as_user, {**DRAFT, "statement": "改稿"})  # same claim: the same draft
    assert r.status_code == 200, r.text
    assert r.json()["id"] == draft["id"] and r.json()["statement"] == "改稿"
    mine = client.get(f"{API}/applications", params={"status": "draft"}, headers=firm).json()
    assert [a["id"] for a in mine] == [draft["id"]]

    assert client.delete(f"{API}/applications/{draft['id']}", headers=firm).status_code == 204
    assert client.get(f"{API}/applications/{draft['id']}", headers=firm).status_code == 404
    assert _audit(client, as_user, draft["id"]) == [
        "application.draft.create",
        "application.draft.update",
        "application.draft.delete",
    ]


def test_submit_draft_freezes_snapshot_once(client: TestClient, as_user: Any) -> None:
    firm = as_user("enterprise1")
    draft = _save(client, as_user).json()
    key = {**firm, "Idempotency-Key": "draft-submit-1"}
    first = client.post(f"{API}/applications/{draft['id']}/submit", headers=key)
    assert first.status_code == 201, first.text
    again = client.post(f"{API}/applications/{draft['id']}/submit", headers=key)
    assert again.status_code == 200, again.text  # a retry answers with the first submission
    assert first.json()["id"] == again.json()["id"] == draft["id"]
    assert first.json()["status"] == "submitted"

    detail = client.get(f"{API}/applications/{draft['id']}", headers=firm).json()
    assert detail["facts"]["enterprise"] and detail["evaluation"]
    assert detail["engine_status"] in ("eligible", "ineligible", "discretionary")
    same = client.get(
        f"{API}/applications", params={"measure_id": "2.6.2", "fiscal_year": 2023}, headers=firm
    ).json()
    assert len(same) == 1  # one application, not two

    # submitted: no longer a draft to delete, re-submit or overwrite
    assert client.post(f"{API}/applications/{draft['id']}/submit", headers=firm).status_code == 409
    assert client.delete(f"{API}/applications/{draft['id']}", headers=firm).status_code == 409
    assert _save(client, as_user).status_code == 409
    # and now it is in the district officer's queue, like any submission
    queue = client.get(f"{API}/reviews/queue", headers=as_user("district_dh")).json()
    assert draft["id"] in {a["id"] for a in queue}
    assert _audit(client, as_user, draft["id"]) == [
        "application.draft.create",
        "application.submit",
    ]


def test_direct_submission_takes_over_the_draft(client: TestClient, as_user: Any) -> None:
    draft = _save(client, as_user).json()
    r = client.post(
        f"{API}/applications", json={**DRAFT, "statement": "正式"}, headers=as_user("enterprise1")
    )
    assert r.status_code == 201, r.text
    assert r.json()["id"] == draft["id"] and r.json()["status"] == "submitted"
    assert r.json()["statement"] == "正式"


def test_draft_rules(client: TestClient, as_user: Any) -> None:
    # a claim already submitted leaves no room for a draft beside it
    sent = client.post(
        f"{API}/applications", json={**DRAFT, "measure_id": "2.6.1"}, headers=as_user("enterprise1")
    )
    assert sent.status_code in (201, 409), sent.text  # 409: the demo data may hold it already
    r = _save(client, as_user, {**DRAFT, "measure_id": "2.6.1"})
    assert r.status_code == 409 and "不能再保存草稿" in r.json()["errors"][0]["message"]
    # same validation as a submission
    r = _save(client, as_user, {**DRAFT, "measure_id": "9.9.9"})
    assert r.status_code == 422
    # a blocked firm may keep a draft, but the credit check stops its submission
    firm3 = as_user("enterprise3")
    ent3 = client.get(f"{API}/enterprises", headers=firm3).json()[0]["id"]
    body = {"enterprise_id": ent3, "measure_id": "2.6.3", "fiscal_year": 2023}
    d = client.post(f"{API}/applications/drafts", json=body, headers=firm3)
    assert d.status_code == 201, d.text
    r = client.post(f"{API}/applications/{d.json()['id']}/submit", headers=firm3)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "credit_blocked"
    assert client.get(f"{API}/applications/{d.json()['id']}", headers=firm3).json()["status"] == (
        "draft"
    )


def test_drafts_invisible_and_refused(client: TestClient, as_user: Any) -> None:
    draft = _save(client, as_user).json()
    did = draft["id"]
    for officer in ("district_dh", "city_kj", "city_jx", "admin"):
        h = as_user(officer)
        listed = client.get(f"{API}/applications", headers=h).json()
        assert did not in {a["id"] for a in listed}, officer
        assert client.get(f"{API}/applications/{did}", headers=h).status_code == 404, officer
        queue = client.get(f"{API}/reviews/queue", headers=h).json()
        assert did not in {a["id"] for a in queue}, officer
    for analyst in ("analyst", "admin"):
        stats = client.get(f"{API}/stats", headers=as_user(analyst)).json()
        assert all(row["status"] != "draft" for row in stats["by_measure_status"])
    review = {"outcome": "pass", "opinion": "x"}
    refusals = {
        "enterprise2": [  # another firm: its drafts do not exist for you
            ("POST", "/applications/drafts", DRAFT),
            ("POST", f"/applications/{did}/submit", None),
            ("DELETE", f"/applications/{did}", None),
            ("GET", f"/applications/{did}", None),
        ],
        "district_dh": [
            ("POST", "/applications/drafts", DRAFT),
            ("POST", f"/applications/{did}/submit", None),
            ("DELETE", f"/applications/{did}", None),
            ("POST", f"/reviews/{did}/district", review),
        ],
        "city_kj": [
            ("POST", f"/applications/{did}/submit", None),
            ("POST", f"/reviews/{did}/city", review),
        ],
        "analyst": [
            ("GET", f"/applications/{did}", None),
            ("POST", "/applications/drafts", DRAFT),
            ("DELETE", f"/applications/{did}", None),
        ],
        "supervisor": [("POST", "/applications/drafts", DRAFT)],
        "admin": [  # drafts are private to the firm, even from the admin
            ("POST", "/applications/drafts", DRAFT),
            ("POST", f"/applications/{did}/submit", None),
            ("DELETE", f"/applications/{did}", None),
        ],
    }
    failures = []
    for user, calls in refusals.items():
        for method, path, body in calls:
            r = client.request(method, API + path, json=body, headers=as_user(user))
            msg = r.json()["errors"][0]["message"] if r.status_code < 500 else ""
            if r.status_code not in (403, 404) or not msg:
                failures.append((user, method, path, r.status_code, r.text[:200]))
    assert not failures, failures
    # the draft survived all of that untouched
    mine = client.get(f"{API}/applications/{did}", headers=as_user("enterprise1")).json()
    assert mine["status"] == "draft" and mine["statement"] == "初稿"


def test_a_campaign_takes_over_the_firms_draft(client: TestClient, app: Any, as_user: Any) -> None:
    # a firm that started a draft is still pushed the 免申即享 offer, on the same record
    draft = _save(client, as_user, {**DRAFT, "measure_id": "2.6.1"}).json()
    body = {"measure_id": "2.6.1", "fiscal_year": 2023, "title": "研发补助免申即享"}
    camp = run_campaign(client, app, as_user("city_jx"), body)
    assert camp["status"] == "done" and camp["candidates"] == 1, camp
    firm = as_user("enterprise1")
    (push,) = client.get(f"{API}/campaigns/pushes", headers=firm).json()
    assert push["application_id"] == draft["id"]
    app = client.get(f"{API}/applications/{draft['id']}", headers=firm).json()
    assert app["status"] == "candidate" and app["source"] == "campaign"
    assert app["engine_amount_fen"] == 40 * 10**6  # 10% of enterprise 1's R&D, as screened
    assert _audit(client, as_user, draft["id"]) == [
        "application.draft.create",
        "campaign.candidate",
    ]
    r = client.post(f"{API}/campaigns/pushes/{push['id']}/confirm", headers=firm)
    assert r.status_code == 200 and r.json()["response"] == "confirmed"
