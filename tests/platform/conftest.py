"""Fixtures: every platform test runs against SQLite (temp file) and PostgreSQL (fresh schema).

PostgreSQL comes from HUIQI_TEST_POSTGRES_URL (default: the local server at 127.0.0.1:5432,
database `test`). Each test gets its own schema, dropped afterwards, so runs never clash.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.server import create_app
from tests.helpers.api import AsUser, login
from tests.helpers.calendar import cover_next_year
from tests.helpers.clock import demo_clock, set_today  # noqa: F401  (fixtures)
from tests.helpers.db_snapshot import prefill

# the `as_user` fixture: username -> the Authorization header of that demo account

PG_URL = os.environ.get(
    "HUIQI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_available() -> bool:
    try:
        eng = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect():
            pass
        eng.dispose()
        return True
    except Exception:
        return False


_PG_OK: bool | None = None


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    # application_name lets teardown find (and end) connections a killed server left behind
    # synchronous_commit=off: a commit does not wait for its WAL to reach the disk. Only a crash
    # of the PostgreSQL server itself could lose it, which no test does; the shared test server
    # otherwise spent much of its time in fsync.
    return (
        f"{PG_URL}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
        f"&application_name={schema}"
    )


def prefill_demo(url: str) -> None:
    """The migrated, demo-seeded snapshot copied into a still-empty test database, so that
    create_app(url, seed_demo=True) finds everything done (tests/helpers/db_snapshot.py)."""
    prefill(url, admin_url=PG_URL, schema_url_for=pg_schema_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    global _PG_OK
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'huiqi-test.db'}"
        return
    if _PG_OK is None:
        _PG_OK = _pg_available()
    if not _PG_OK:
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")
    schema = f"hq_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.connect() as c:
            # terminate stragglers (e.g. a killed server's connections) so DROP cannot hang
            c.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid <> pg_backend_pid() AND application_name = :name"
                ),
                {"name": schema},
            )
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[FastAPI]:
    prefill_demo(database_url)
    application = create_app(database_url, seed_demo=True)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_user(client: TestClient) -> AsUser:
    cache: dict[str, dict[str, str]] = {}

    def _h(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = login(client, username)
        return cache[username]

    return _h


@pytest.fixture
def next_year_recorded(app: FastAPI) -> None:
    """For tests that publish a 公示 batch starting today (see tests/helpers/calendar.py)."""
    cover_next_year(app)
