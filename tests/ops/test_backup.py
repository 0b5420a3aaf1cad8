"""Backup and restore as docs/operations.md tells an operator: `huiqi db backup` then pg_restore
into a new PostgreSQL database; SQLite's online backup taken while the platform writes."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import SYSTEM
from huiqi.server import create_app
from tests.helpers.clock import TEST_TODAY
from tests.helpers.deploy import fresh_postgres_database, huiqi

COUNTED = ("users", "enterprises", "applications", "audit_log", "budget_pools")


@pytest.fixture(autouse=True)
def demo_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo seeds claims, which are only taken inside an open round of the policy's window."""
    monkeypatch.setenv("HUIQI_TODAY", TEST_TODAY.isoformat())


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return {
                t: int(c.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in COUNTED
            }
    finally:
        engine.dispose()


def seeded(url: str) -> None:
    """The demo data: accounts, firms, applications in flight, a long audit chain."""
    app = create_app(url, seed_demo=True)
    from huiqi.platform.demo import seed_applications

    with app.state.sessionmaker() as db:
        seed_applications(db)
    app.state.engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_backup_restores_into_a_new_database(tmp_path: Path) -> None:
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed (apt-get install postgresql-client)")
    dump = tmp_path / "huiqi.dump"
    with fresh_postgres_database() as source, fresh_postgres_database() as target:
        seeded(source)
        before = counts(source)
        assert before["applications"] > 0 and before["audit_log"] > 5
        out = huiqi("db", "backup", str(dump), env={"HUIQI_DATABASE_URL": source})
        assert out.returncode == 0, out.stderr
        again = huiqi("db", "backup", str(dump), env={"HUIQI_DATABASE_URL": source})
        assert again.returncode == 2 and "不覆盖" in again.stderr  # never overwrites a backup

        libpq = sa.engine.make_url(target).set(drivername="postgresql").render_as_string(False)
        restored = subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={libpq}", str(dump)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restored.returncode == 0, restored.stderr
        assert counts(target) == before
        env = {"HUIQI_DATABASE_URL": target}
        assert huiqi("audit", "verify", env=env).returncode == 0
        assert huiqi("db", "current", env=env).returncode == 0  # at the newest revision


def test_sqlite_online_backup_while_the_platform_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    seeded(url)
    app = create_app(url)
    stop = threading.Event()
    written = 0

    def writer() -> None:
        nonlocal written
        while not stop.is_set():
            with app.state.sessionmaker() as db:
                record(db, SYSTEM, "test.write", "test", written, None, {"n": written})
                db.commit()
            written += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        backups = []
        for i in range(3):
            target = tmp_path / f"backup-{i}.db"
            out = huiqi("db", "backup", str(target), env={"HUIQI_DATABASE_URL": url})
            assert out.returncode == 0, out.stderr
            backups.append(target)
    finally:
        stop.set()
        thread.join(timeout=60)
        app.state.engine.dispose()
    assert written > 0
    for target in backups:
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        backup_url = f"sqlite:///{target}"
        env = {"HUIQI_DATABASE_URL": backup_url}
        # a consistent copy: the audit chain of the moment of the copy is whole
        assert huiqi("audit", "verify", env=env).returncode == 0
        assert counts(backup_url)["users"] == counts(url)["users"]
    # restore = put the copy in place (service stopped): it serves as the original did
    restored = tmp_path / "restored.db"
    shutil.copy(backups[-1], restored)
    app = create_app(f"sqlite:///{restored}", migrate_schema=False)
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200
        r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "demo123"})
        assert r.status_code == 200
    app.state.engine.dispose()
