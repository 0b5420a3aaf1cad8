"""登录失败处理, on SQLite and PostgreSQL: guessing is stopped per account and per address,
even the right password is refused while locked, every attempt and logout is in the audit
(never the password), passwords follow a policy, idle sessions end."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.auth.models import AuthSession, LoginFailure
from tests.helpers.api import API, AsUser, MakeApp
from tests.helpers.web import session_client


def _login(c: TestClient, username: str, password: str):
    return c.post(f"{API}/auth/login", json={"username": username, "password": password})


def _audit(app: FastAPI, action_prefix: str = "auth.") -> list[AuditEntry]:
    with app.state.sessionmaker() as db:
        return list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like(f"{action_prefix}%"))
                .order_by(AuditEntry.seq)
            )
        )


def _age_failures(app: FastAPI, seconds: int) -> None:
    """Move every recorded failure back in time, as if the lockout had passed."""
    with app.state.sessionmaker() as db:
        for f in db.scalars(select(LoginFailure)):
            f.at = f.at - dt.timedelta(seconds=seconds)
        db.commit()


def test_fifty_wrong_passwords_then_the_right_one_is_refused(
    app: FastAPI, client: TestClient
) -> None:
    statuses = [_login(client, "admin", f"guess-{i}").status_code for i in range(50)]
    assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}
    r = _login(client, "admin", "demo123")
    assert r.status_code == 429
    err = r.json()["errors"][0]
    assert err["rule"] == "account_locked" and "锁定" in err["message"]
    assert int(r.headers["retry-after"]) > 0
    # the web login form says the same beside the field
    page = client.post("/login", data={"username": "admin", "password": "demo123"})
    assert page.status_code == 429 and "锁定" in page.text

    # after the lockout the right password works again, and the count starts afresh
    _age_failures(app, 16 * 60)
    assert _login(client, "admin", "demo123").status_code == 200
    with app.state.sessionmaker() as db:
        assert db.scalars(select(LoginFailure).where(LoginFailure.username == "admin")).all() == []


def test_one_address_guessing_many_accounts_is_refused(make_app: MakeApp) -> None:
    app = make_app(login_max_failures=100, login_max_failures_per_address=20)
    attacker = TestClient(app, client=("198.51.100.7", 40000))
    for i in range(20):
        assert _login(attacker, f"user{i}", "guess").status_code == 401
    r = _login(attacker, "analyst", "demo123")
    assert r.status_code == 429 and r.json()["errors"][0]["rule"] == "address_locked"
    # another address is not affected
    other = TestClient(app, client=("192.0.2.10", 40000))
    assert _login(other, "analyst", "demo123").status_code == 200


def test_logins_failures_refusals_and_logouts_are_audited_without_password(app: FastAPI) -> None:
    c = TestClient(app)
    assert _login(c, "analyst", "wrong-Secret-1").status_code == 401
    assert _login(c, "nobody", "wrong-Secret-2").status_code == 401
    token = _login(c, "analyst", "demo123").json()["token"]
    assert (
        c.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code
        == 204
    )
    web = session_client(app, "district_dh")
    web.post("/logout", follow_redirects=False)

    entries = _audit(app)
    actions = [(e.action, e.entity_id) for e in entries]
    assert actions[:2] == [("auth.login_failed", "analyst"), ("auth.login_failed", "nobody")]
    assert ("auth.login", str(entries[2].entity_id)) == (entries[2].action, entries[2].entity_id)
    assert [a for a, _ in actions] == [
        "auth.login_failed",
        "auth.login_failed",
        "auth.login",
        "auth.logout",
        "auth.login",
        "auth.logout",
    ]
    assert entries[0].after["event"] == "登录失败" and entries[0].after["reason"] == "bad_password"
    assert entries[1].after["reason"] == "unknown_user"
    assert entries[2].actor == "analyst" and entries[2].after["event"] == "登录成功"
    assert entries[3].after["event"] == "退出登录"
    for e in entries:
        text = str(e.before) + str(e.after)
        assert "wrong-Secret" not in text and "demo123" not in text
    # the chain still verifies
    admin = TestClient(app)
    h = {"Authorization": f"Bearer {_login(admin, 'admin', 'demo123').json()['token']}"}
    assert admin.get(f"{API}/audit/verify", headers=h).json()["ok"] is True


def test_password_policy_for_new_and_reset_passwords(client: TestClient, as_user: AsUser) -> None:
    admin = as_user("admin")
    base = {"username": "kj_new", "role": "analyst"}
    for weak, words in (
        ("short1", "至少 10 个字符"),
        ("onlyletterslong", "字母和数字"),
        ("1234567890123", "字母和数字"),
        ("kj_new2024abc", "用户名"),
        ("aaaa1111aaaa", "重复"),
    ):
        r = client.post(f"{API}/users", json={**base, "password": weak}, headers=admin)
        assert r.status_code == 422, (weak, r.text)
        err = r.json()["errors"][0]
        assert (
            err["path"] == "password"
            and err["rule"] == "password_policy"
            and words in err["message"]
        )
    r = client.post(f"{API}/users", json={**base, "password": "Wuhan2024guqi"}, headers=admin)
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    r = client.patch(f"{API}/users/{uid}", json={"password": "abc123"}, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "password_policy"
    r = client.patch(f"{API}/users/{uid}", json={"password": "Hankou2025river"}, headers=admin)
    assert r.status_code == 200
    assert _login(client, "kj_new", "Hankou2025river").status_code == 200


def test_idle_session_ends(app: FastAPI) -> None:
    c = TestClient(app)
    token = _login(c, "analyst", "demo123").json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert c.get(f"{API}/auth/me", headers=h).status_code == 200
    web = session_client(app, "district_dh")
    assert web.get("/officer/queue", follow_redirects=False).status_code == 200

    idle = app.state.settings.session_idle_seconds
    with app.state.sessionmaker() as db:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=idle + 5)
        db.execute(update(AuthSession).values(last_seen_at=past))
        db.commit()
    r = c.get(f"{API}/auth/me", headers=h)
    assert r.status_code == 401 and r.json()["errors"][0]["rule"] == "session_idle"
    r = web.get("/officer/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert [e.action for e in _audit(app, "auth.session_idle")] == ["auth.session_idle"] * 2
    # ended for good: activity afterwards does not revive it
    assert c.get(f"{API}/auth/me", headers=h).json()["errors"][0]["rule"] == "unauthenticated"


def test_an_active_session_stays(app: FastAPI) -> None:
    c = TestClient(app)
    h = {"Authorization": f"Bearer {_login(c, 'analyst', 'demo123').json()['token']}"}
    idle = app.state.settings.session_idle_seconds
    with app.state.sessionmaker() as db:  # used a little less than the idle time ago
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=idle - 120)
        db.execute(update(AuthSession).values(last_seen_at=past))
        db.commit()
    assert c.get(f"{API}/auth/me", headers=h).status_code == 200
    with app.state.sessionmaker() as db:  # and that use was recorded
        seen = db.scalar(select(AuthSession.last_seen_at))
        assert seen is not None and dt.datetime.now(dt.UTC) - seen < dt.timedelta(seconds=60)
