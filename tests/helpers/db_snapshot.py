"""Migrated, demo-seeded databases built once per test session and copied into each test's own.

Running the migrations and the demo seed took ~0.7 s per test on SQLite and ~2 s on PostgreSQL
(alembic's DDL one statement at a time), paid by every test that makes an app. `prefill(url)`
puts the same rows into the test's still-empty database from a snapshot instead: a file copy on
SQLite, a replayed pg_dump of the snapshot schema on PostgreSQL. create_app then finds the schema
at head and every demo row present, as it would after migrating and seeding itself, and adds
nothing. The app is built exactly as in production; only the work it would redo is skipped.

The snapshot belongs to the conditions the seed reads: the business date (rounds and the demo
榜单 open "today"), every HUIQI_* setting and the audit key that signs the seed's audit entries.
A test that changes any of them gets a snapshot of its own. Whatever cannot be copied (the
database already has tables, pg_dump is missing or fails) is left alone, and create_app then
migrates and seeds as before.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa

from huiqi.platform.audit.anchor import audit_key
from huiqi.platform.clock import business_today
from huiqi.platform.db import make_engine, make_sessionmaker, migrate
from huiqi.platform.demo import seed

_SNAPSHOT_DIR = Path(tempfile.mkdtemp(prefix="huiqi-test-snapshots-"))
atexit.register(shutil.rmtree, _SNAPSHOT_DIR, ignore_errors=True)
_sqlite_files: dict[str, Path] = {}
_pg_dumps: dict[str, str | None] = {}  # None: pg_dump could not make one, migrate as before
_SNAPSHOT_SCHEMA = re.compile(r"hqsnap_[0-9a-f]{12}")


def _conditions() -> str:
    """What the migrated and seeded rows depend on, as a key."""
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith("HUIQI_"))
    raw = repr((business_today().isoformat(), settings, audit_key()))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _migrate_and_seed(url: str) -> None:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        migrate(engine)
        with make_sessionmaker(engine)() as db:
            seed(db)
    finally:
        engine.dispose()


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url == prefix + ":memory:":
        return None
    return Path(url[len(prefix) :])


def _prefill_sqlite(target: Path) -> None:
    if target.exists() or not target.parent.is_dir():
        return
    key = _conditions()
    snapshot = _sqlite_files.get(key)
    if snapshot is None:
        snapshot = _SNAPSHOT_DIR / f"{key}.db"
        _migrate_and_seed(f"sqlite:///{snapshot}")
        _sqlite_files[key] = snapshot
    # the backup API gives a consistent copy whatever the snapshot's WAL holds
    partial = target.with_name(target.name + ".copying")
    with sqlite3.connect(snapshot) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
    os.replace(partial, target)


def _schema_of(url: str) -> str | None:
    match = re.search(r"search_path(?:%3D|=)([A-Za-z0-9_]+)", unquote(url).replace(" ", "&"))
    return match.group(1) if match else None


def _pg_dump(admin_url: str, schema_url_for: object) -> str | None:
    """The snapshot schema as SQL (schema name replaced by a placeholder), or None."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return None
    snap = f"hqsnap_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE SCHEMA "{snap}"'))
        try:
            _migrate_and_seed(schema_url_for(snap))  # type: ignore[operator]
            libpq_url = sa.engine.make_url(admin_url).set(drivername="postgresql")
            done = subprocess.run(
                [
                    pg_dump,
                    "--dbname",
                    libpq_url.render_as_string(hide_password=False),
                    "--schema",
                    snap,
                    "--no-owner",
                    "--no-privileges",
                    "--inserts",
                    "--rows-per-insert=200",
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            with admin.connect() as c:
                c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{snap}" CASCADE'))
    finally:
        admin.dispose()
    if done.returncode != 0:
        return None
    lines = []
    for line in done.stdout.splitlines():
        # the test's schema exists already; psql meta-commands are not SQL
        if line.startswith(("CREATE SCHEMA", "\\")):
            continue
        lines.append(line)
    return "\n".join(lines).replace(snap, "{schema}")


def _prefill_postgres(url: str, admin_url: str, schema_url_for: object) -> None:
    schema = _schema_of(url)
    if schema is None or _SNAPSHOT_SCHEMA.fullmatch(schema):
        return
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            tables = c.execute(
                sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = :s"), {"s": schema}
            ).scalar_one()
        if tables:
            return
        key = _conditions()
        if key not in _pg_dumps:
            _pg_dumps[key] = _pg_dump(admin_url, schema_url_for)
        dump = _pg_dumps[key]
        if dump is None:
            return
        with admin.connect() as c:
            raw = c.connection.driver_connection
            assert raw is not None
            # one transaction: a half-copied schema never reaches the test. No parameters, so
            # psycopg sends the many statements as one simple query.
            with raw.transaction():
                raw.execute(dump.replace("{schema}", schema))
    finally:
        admin.dispose()


def prefill(url: str, *, admin_url: str | None = None, schema_url_for: object = None) -> None:
    """Copy the migrated, seeded snapshot into the still-empty database at `url` (else no-op)."""
    path = sqlite_path(url)
    if path is not None:
        _prefill_sqlite(path)
    elif admin_url is not None and schema_url_for is not None:
        _prefill_postgres(url, admin_url, schema_url_for)
