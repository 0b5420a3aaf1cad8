"""Applying again after a withdrawal (撤回), on SQLite and PostgreSQL.

The new submission takes over the withdrawn row as version n+1: one application per claim still,
earlier snapshots kept, every Idempotency-Key still answering with the application.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN

API = "/api/v1"
CLAIM = {"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023}


def _post(client: TestClient, firm: dict[str, str], key: str | None) -> Any:
    headers = {**firm, "Idempotency-Key": key} if key else firm
    return client.post(f"{API}/applications", json=CLAIM, headers=headers)


def _withdraw(client: TestClient, firm: dict[str, str], app_id: int) -> None:
    r = client.post(
        f"{API}/applications/{app_id}/withdraw", json={"reason": "研发投入数据待审计"}, headers=firm
    )
    assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text


def _audit(client: TestClient, as_user: Any, app_id: int) -> list[dict[str, Any]]:
    rows = client.get(f"{API}/audit", params={"limit": 500}, headers=as_user("admin")).json()
    mine = [e for e in rows if e["entity"] == "application" and e["entity_id"] == str(app_id)]
    return sorted(mine, key=lambda e: e["seq"])


def test_reapply_after_withdrawal_is_a_new_version(client: TestClient, as_user: Any) -> None:
    firm, district = as_user("enterprise1"), as_user("district_dh")
    r = _post(client, firm, "first")
    assert r.status_code == 201, r.text
    a = r.json()["id"]
    assert r.json()["engine_amount_fen"] == 40 * WAN
    # while it is live, a second application for the claim is refused
    r = _post(client, firm, "dup")
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "duplicate_application"
    _withdraw(client, firm, a)

    # the firm corrects its figures (R&D 400万 -> 300万) and applies again
    r = client.put(
        f"{API}/enterprises/1/figures/2023",
        json={"revenue_fen": 2000 * WAN, "rd_expense_fen": 300 * WAN},
        headers=firm,
    )
    assert r.status_code == 200, r.text
    r = _post(client, firm, "second")
    assert r.status_code == 201, r.text
    again = r.json()
    assert again["id"] == a and again["status"] == "submitted" and again["version"] == 2
    assert again["engine_amount_fen"] == 30 * WAN  # a fresh evaluation of the new snapshot

    # both keys answer with the one application, now live (200, nothing created)
    for key in ("second", "first"):
        r = _post(client, firm, key)
        assert r.status_code == 200 and r.json()["id"] == a and r.json()["version"] == 2, key
    # and a live application still blocks any other submission
    r = _post(client, firm, "third")
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "duplicate_application"
    assert _post(client, firm, None).status_code == 409

    # version 1 is kept unchanged and readable, by the firm and the officer
    versions = client.get(f"{API}/applications/{a}/versions", headers=firm).json()
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, True)]
    old = client.get(f"{API}/applications/{a}/versions/1", headers=district).json()
    assert old["engine_amount_fen"] == 40 * WAN
    assert old["facts"]["annual"]["2023"]["rd_expense"] == "4000000.00"
    assert versions[1]["facts"]["annual"]["2023"]["rd_expense"] == "3000000.00"

    # back in district first review; the timeline shows the withdrawal and the re-application
    queue = client.get(f"{API}/reviews/queue", headers=district).json()
    assert a in [x["id"] for x in queue]
    detail = client.get(f"{API}/applications/{a}", headers=firm).json()
    stages = [(s["stage"], s["outcome"]) for s in detail["reviews"]]
    assert stages == [("withdraw", "withdraw"), ("reapply", "resubmit")]

    # withdraw and apply a third time: version 3, versions 1 and 2 both kept
    _withdraw(client, firm, a)
    r = _post(client, firm, "third")
    assert r.status_code == 201 and r.json()["version"] == 3, r.text
    versions = client.get(f"{API}/applications/{a}/versions", headers=firm).json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    for key in ("first", "second", "third"):
        assert _post(client, firm, key).json()["id"] == a

    # audited as re-submissions with the withdrawn state as "before"; the chain still holds
    actions = [e["action"] for e in _audit(client, as_user, a)]
    assert actions == [
        "application.submit",
        "application.withdraw",
        "application.resubmit",
        "application.withdraw",
        "application.resubmit",
    ]
    entry = _audit(client, as_user, a)[2]
    assert entry["before"]["status"] == "withdrawn" and entry["after"]["status"] == "submitted"
    assert entry["before"]["version"] == 1 and entry["after"]["version"] == 2
    verify = client.get(f"{API}/audit/verify", headers=as_user("admin")).json()
    assert verify["ok"] is True, verify


def test_reapply_through_a_draft(client: TestClient, as_user: Any) -> None:
    firm, district = as_user("enterprise1"), as_user("district_dh")
    a = _post(client, firm, "k1").json()["id"]
    _withdraw(client, firm, a)
    drafts = f"{API}/applications/drafts"

    # a draft takes the withdrawn claim over: private to the firm until submitted
    r = client.post(drafts, json={**CLAIM, "statement": "重新整理材料"}, headers=firm)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == a and r.json()["status"] == "draft" and r.json()["version"] == 2
    assert client.get(f"{API}/applications/{a}", headers=district).status_code == 404
    r = client.post(drafts, json={**CLAIM, "statement": "再改一次"}, headers=firm)
    assert r.status_code == 200 and r.json()["version"] == 2  # an update, not a new version

    # deleting that draft puts the withdrawn application back exactly as it was
    assert client.delete(f"{API}/applications/{a}", headers=firm).status_code == 204
    back = client.get(f"{API}/applications/{a}", headers=district)
    assert back.status_code == 200
    assert back.json()["status"] == "withdrawn" and back.json()["version"] == 1
    assert len(client.get(f"{API}/applications/{a}/versions", headers=firm).json()) == 1
    assert _post(client, firm, "k1").json()["status"] == "withdrawn"  # the first key still

    # draft again, then submit the draft (twice, same key): one application, version 2
    assert client.post(drafts, json=CLAIM, headers=firm).status_code == 201
    url = f"{API}/applications/{a}/submit"
    r = client.post(url, headers={**firm, "Idempotency-Key": "k2"})
    assert r.status_code == 201 and r.json()["status"] == "submitted", r.text
    assert r.json()["version"] == 2
    r = client.post(url, headers={**firm, "Idempotency-Key": "k2"})
    assert r.status_code == 200 and r.json()["id"] == a
    r = client.post(url, headers={**firm, "Idempotency-Key": "k1"})
    assert r.status_code == 200 and r.json()["id"] == a  # the withdrawn version's key
    assert client.post(url, headers={**firm, "Idempotency-Key": "k3"}).status_code == 409
    versions = client.get(f"{API}/applications/{a}/versions", headers=district).json()
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, True)]
    assert a in [x["id"] for x in client.get(f"{API}/reviews/queue", headers=district).json()]
    actions = [e["action"] for e in _audit(client, as_user, a)]
    assert actions == [
        "application.submit",
        "application.withdraw",
        "application.draft.create",
        "application.draft.update",
        "application.draft.delete",
        "application.draft.create",
        "application.resubmit",
    ]
    assert client.get(f"{API}/audit/verify", headers=as_user("admin")).json()["ok"] is True


def test_only_a_withdrawn_claim_reopens(client: TestClient, as_user: Any) -> None:
    """Rejected or decided claims stay closed: re-application is for the firm's own withdrawal."""
    firm = as_user("enterprise1")
    a = _post(client, firm, None).json()["id"]
    r = client.post(
        f"{API}/reviews/{a}/district",
        json={"outcome": "reject", "opinion": "材料不全"},
        headers=as_user("district_dh"),
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    r = _post(client, firm, None)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "duplicate_application"
    r = client.post(f"{API}/applications/drafts", json=CLAIM, headers=firm)
    assert r.status_code == 409
    # another firm's withdrawn claim is no business of this firm: its own claim is separate
    other = as_user("enterprise2")
    r = client.post(f"{API}/applications", json={**CLAIM, "enterprise_id": 1}, headers=other)
    assert r.status_code == 404
