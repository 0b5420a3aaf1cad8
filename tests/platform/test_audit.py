"""The hash-chained audit log detects edits, deletions and reordering."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from huiqi.platform.audit.models import AuditEntry, AuditHead
from huiqi.platform.audit.service import verify, verify_database
from tests.helpers.api import AsUser
from tests.helpers.audit import drop_append_only_guard

API = "/api/v1"


def _activity(client: TestClient, as_user: AsUser) -> None:
    firm = as_user("enterprise1")
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=firm,
    )
    assert r.status_code == 201
    app_id = r.json()["id"]
    client.post(
        f"{API}/reviews/{app_id}/district", json={"outcome": "pass"}, headers=as_user("district_dh")
    )
    client.put(f"{API}/enterprises/1/figures/2024", json={"revenue_fen": 1}, headers=firm)


def test_every_change_is_logged_with_before_and_after(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    _activity(client, as_user)
    rows = client.get(
        f"{API}/audit", params={"entity": "application"}, headers=as_user("admin")
    ).json()
    actions = [r["action"] for r in rows]
    assert actions == ["application.submit", "review.district.pass"]
    step = rows[1]
    assert step["actor"] == "district_dh" and step["actor_role"] == "district_officer"
    assert step["before"]["status"] == "submitted" and step["after"]["status"] == "district_passed"
    assert client.get(f"{API}/audit/verify", headers=as_user("admin")).json()["ok"] is True


def test_database_refuses_edits(app: FastAPI, client: TestClient, as_user: AsUser) -> None:
    _activity(client, as_user)
    sm = app.state.sessionmaker
    for stmt in (update(AuditEntry).values(actor="someone"), delete(AuditEntry)):
        with sm() as db:
            with pytest.raises(DBAPIError, match="append-only"):
                db.execute(stmt)
            db.rollback()
    with sm() as db:
        assert verify(db).ok


def test_tampering_is_detected(
    app: FastAPI, client: TestClient, as_user: AsUser, database_url: str
) -> None:
    _activity(client, as_user)
    sm = app.state.sessionmaker
    with sm() as db:
        assert verify(db).ok
        drop_append_only_guard(db, database_url)
        target = db.scalar(
            select(AuditEntry.seq).where(AuditEntry.action == "review.district.pass")
        )
        # 1) someone edits a past entry's content
        original = db.get(AuditEntry, target).after
        db.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == target)
            .values(after={**original, "status": "paid"})
        )
        db.commit()
    with sm() as db:
        res = verify(db)
        assert not res.ok and res.first_bad_seq == target and "篡改" in res.message
    r = client.get(f"{API}/audit/verify", headers=as_user("admin")).json()
    assert r["ok"] is False and r["first_bad_seq"] == target
    assert verify_database(database_url) == 1  # the CLI entry exits non-zero
    with sm() as db:
        db.execute(update(AuditEntry).where(AuditEntry.seq == target).values(after=original))
        db.commit()
        assert verify(db).ok
        # 2) someone deletes the newest entry (and would like nobody to notice); the newest
        # now, since the admin's login above is audited too
        newest = db.scalar(select(func.max(AuditEntry.seq)))
        db.execute(delete(AuditEntry).where(AuditEntry.seq == newest))
        db.commit()
        res = verify(db)
        assert not res.ok and "删除" in res.message
        # 3) ... and even rewrites the head to match: the hashes of the rest still hold, but a
        # deletion in the middle breaks the link of the following entry
        db.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        last = db.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        db.execute(update(AuditHead).values(last_seq=last.seq, last_hash=last.hash))
        db.commit()
        res = verify(db)
        assert not res.ok and res.first_bad_seq == 3
