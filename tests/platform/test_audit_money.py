"""`huiqi audit verify` protects money: a money column changed behind the platform's back, a
chain whose hashes were all recomputed, and a chain whose tail was cut off are each reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from huiqi.cli.main import main as cli
from huiqi.platform.audit.anchor import head_mac
from huiqi.platform.audit.models import AuditEntry, AuditHead
from huiqi.platform.audit.service import _body, anchor_chain, entry_hash, verify
from huiqi.platform.demo import WAN
from tests.helpers.api import AsUser
from tests.helpers.applications import notice_and_pay, review_to_decision
from tests.helpers.audit import drop_append_only_guard
from tests.helpers.clock import SetToday

API = "/api/v1"


@pytest.fixture(autouse=True)
def audit_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "test-audit-key-not-for-production"
    monkeypatch.setenv("HUIQI_AUDIT_HMAC_KEY", key)
    return key


@pytest.fixture
def anchor_file(tmp_path: Path) -> Path:
    return tmp_path / "anchor" / "audit-anchor.json"


def _paid_261(client: TestClient, as_user: AsUser, set_today: SetToday) -> int:
    """A 2.6.1 claim decided at 40万元 and paid: every money table has a row for it."""
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers={**as_user("enterprise1"), "Idempotency-Key": "money-261"},
    )
    assert r.status_code == 201, r.text
    app_id = int(r.json()["id"])
    review_to_decision(client, as_user, app_id, "district_dh", "city_kj")
    r = client.post(
        f"{API}/reviews/{app_id}/decision", json={"approve": True}, headers=as_user("city_kj")
    )
    assert r.status_code == 200 and r.json()["application"]["decided_amount_fen"] == 40 * WAN
    payments = notice_and_pay(client, as_user, app_id, "city_kj", set_today)
    r = client.post(
        f"{API}/payments/{payments[0]['id']}/paid",
        json={"voucher": "KJ-1"},
        headers=as_user("city_kj"),
    )
    assert r.status_code == 200, r.text
    return app_id


def _cli_verify(database_url: str, anchor: Path) -> tuple[int, str]:
    res = CliRunner().invoke(
        cli,
        ["audit", "verify", "--anchor", str(anchor)],
        env={"HUIQI_DATABASE_URL": database_url},
    )
    return res.exit_code, res.output


def test_clean_chain_passes_and_is_anchored(
    app,
    client: TestClient,
    as_user: AsUser,
    database_url: str,
    anchor_file: Path,
    set_today: SetToday,
) -> None:
    _paid_261(client, as_user, set_today)
    code, out = _cli_verify(database_url, anchor_file)
    assert code == 0 and "尚无外部锚点" in out, out
    res = CliRunner().invoke(
        cli,
        ["audit", "anchor", "--anchor", str(anchor_file)],
        env={"HUIQI_DATABASE_URL": database_url},
    )
    assert res.exit_code == 0 and "已导出签名的审计锚点" in res.output, res.output
    assert anchor_file.exists()
    code, out = _cli_verify(database_url, anchor_file)
    assert code == 0 and "与外部锚点" in out and "资金对账校验通过" in out, out
    body = client.get(f"{API}/audit/verify", headers=as_user("admin")).json()
    assert body["ok"] is True and body["problems"] == []


# Each statement changes money the way a person with database rights but without the platform
# would; the expected words name what the report must point at.
TAMPERING = {
    "decided_amount": (
        "UPDATE applications SET decided_amount_fen = decided_amount_fen * 20 WHERE id = :app",
        "核定金额为 8000000.00 元，审计日志中最后记录的是 400000.00 元",
    ),
    "committed": (
        "UPDATE budget_pools SET committed_fen = committed_fen + 100000 WHERE measure_id = '2.6.1'",
        "已承诺 401000.00 元，而已获支持申报的核定金额合计 400000.00 元",
    ),
    "payment_amount": (
        "UPDATE payments SET amount_fen = amount_fen + 1 WHERE application_id = :app",
        "amount_fen 为 400000.01 元，审计日志中最后记录的是 400000.00 元",
    ),
    "budget_total": (
        "UPDATE budget_pools SET total_fen = total_fen + 100 WHERE measure_id = '2.6.1'",
        "审计日志中最后设定的是 30000000.00 元",
    ),
    "status_to_paid": (
        "UPDATE applications SET status = 'paid' WHERE status = 'submitted'",
        "获支持或拨付状态的变动未记入审计",
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_money_changed_outside_the_platform_is_reported(
    app,
    client: TestClient,
    as_user: AsUser,
    database_url: str,
    anchor_file: Path,
    case: str,
    set_today: SetToday,
) -> None:
    app_id = _paid_261(client, as_user, set_today)
    # another firm's claim still waiting for review
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.2", "fiscal_year": 2023},
        headers=as_user("enterprise1"),
    )
    assert r.status_code == 201, r.text
    sm = app.state.sessionmaker
    with sm() as db:
        assert anchor_chain(db, anchor_file).ok
        statement, expected = TAMPERING[case]
        db.execute(text(statement), {"app": app_id} if ":app" in statement else {})
        db.commit()
    with sm() as db:
        res = verify(db, anchor_file)
    assert not res.ok and "资金变动未记入审计" in res.message
    assert any(expected in p for p in res.problems), res.problems
    code, out = _cli_verify(database_url, anchor_file)
    assert code == 1 and expected in out, out
    body = client.get(f"{API}/audit/verify", headers=as_user("admin")).json()
    assert body["ok"] is False and any(expected in p for p in body["problems"])


def _rewrite_from(db: Session, seq: int, changes: dict[str, object]) -> None:
    """Edit entry `seq` and recompute its hash and every later one, as a careful forger would,
    then point the head at the new last hash (keeping the old signature: no key)."""
    prev = db.execute(select(AuditEntry.hash).where(AuditEntry.seq == seq - 1)).scalar_one()
    rows = db.scalars(select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq))
    for e in list(rows):
        if e.seq == seq:
            e.after = {**e.after, **changes}
        e.prev_hash = prev
        e.hash = entry_hash(prev, _body(e))
        prev = e.hash
    db.flush()
    db.execute(update(AuditHead).values(last_hash=prev))
    db.commit()


def test_recomputed_hashes_are_detected(
    app,
    client: TestClient,
    as_user: AsUser,
    database_url: str,
    anchor_file: Path,
    set_today: SetToday,
) -> None:
    app_id = _paid_261(client, as_user, set_today)
    sm = app.state.sessionmaker
    with sm() as db:
        assert anchor_chain(db, anchor_file).ok
        drop_append_only_guard(db, database_url)
        decision = next(
            e.seq
            for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            if e.entity == "application"
            and e.entity_id == str(app_id)
            and isinstance(e.after, dict)
            and e.after.get("decided_amount_fen") == 40 * WAN
        )
        # raise the award, in the row and in its audit entry, and recompute the whole chain
        db.execute(
            text("UPDATE applications SET decided_amount_fen = 8000000 WHERE id = :a"),
            {"a": app_id},
        )
        _rewrite_from(db, decision, {"decided_amount_fen": 80 * WAN})
        res = verify(db, anchor_file)
        assert not res.ok and "签名（HMAC）不符" in res.message, res.message
        # without the key the forger cannot sign the new head; dropping the signature fails too
        db.execute(update(AuditHead).values(mac=None))
        db.commit()
        assert "没有签名" in verify(db, anchor_file).message
        # even a forger holding the key is caught by the anchor kept outside the database
        head = db.get(AuditHead, 1)
        head.mac = head_mac(head.last_seq, head.last_hash)
        db.commit()
        res = verify(db, anchor_file)
        assert not res.ok and "外部锚点" in res.message and "重算" in res.message, res.message
    code, out = _cli_verify(database_url, anchor_file)
    assert code == 1 and "外部锚点" in out


def test_truncated_tail_is_detected(
    app,
    client: TestClient,
    as_user: AsUser,
    database_url: str,
    anchor_file: Path,
    set_today: SetToday,
) -> None:
    _paid_261(client, as_user, set_today)
    sm = app.state.sessionmaker
    with sm() as db:
        assert anchor_chain(db, anchor_file).ok
        n = db.scalar(select(AuditHead.last_seq))
        drop_append_only_guard(db, database_url)
        # cut off the last three entries (the payment) and point the head at the new tail
        keep = n - 3
        old_head = db.scalar(select(AuditEntry).where(AuditEntry.seq == keep))
        db.execute(delete(AuditEntry).where(AuditEntry.seq > keep))
        db.execute(update(AuditHead).values(last_seq=keep, last_hash=old_head.hash))
        db.commit()
        res = verify(db, anchor_file)
        assert not res.ok and "签名（HMAC）不符" in res.message, res.message
        # an old, genuinely signed head put back (saved earlier, or signed with a stolen key):
        # only the anchor outside the database still knows how long the chain was
        db.execute(update(AuditHead).values(mac=head_mac(keep, old_head.hash)))
        db.commit()
        res = verify(db, anchor_file)
        assert not res.ok and f"只有 {keep} 条" in res.message and "删除" in res.message
    code, out = _cli_verify(database_url, anchor_file)
    assert code == 1 and "末尾的记录被删除" in out
    # and `anchor` refuses to bless a broken chain
    anchored = CliRunner().invoke(
        cli,
        ["audit", "anchor", "--anchor", str(anchor_file)],
        env={"HUIQI_DATABASE_URL": database_url},
    )
    assert anchored.exit_code == 1


def test_forged_anchor_file_is_rejected(
    app, client: TestClient, as_user: AsUser, anchor_file: Path, set_today: SetToday
) -> None:
    _paid_261(client, as_user, set_today)
    with app.state.sessionmaker() as db:
        assert anchor_chain(db, anchor_file).ok
        anchor_file.write_text(anchor_file.read_text().replace('"seq": ', '"seq": 1'))
        res = verify(db, anchor_file)
    assert not res.ok and "签名不符" in res.message
