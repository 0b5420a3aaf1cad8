"""Engine, sessions and migrations.

SQLite is the embedded default; PostgreSQL comes through HUIQI_DATABASE_URL. The schema is owned
by Alembic (migrations ship inside the package). `huiqi db upgrade` applies them; the demo
`huiqi serve` also upgrades once at start so that two commands give a working site, while
`huiqi serve --production` only checks that the schema is at the newest revision.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from alembic import command
from alembic.config import Config
from sqlalchemy import BigInteger, DateTime, Engine, MetaData, Table, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Whether the current request may write (set per request by deps.get_db; True outside requests,
# e.g. migrations, seeding and tests calling services directly).
WRITE_TX: ContextVar[bool] = ContextVar("huiqi_write_tx", default=True)

# Deterministic constraint names so Alembic migrations are portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

    if TYPE_CHECKING:
        # every model maps one named Table (bulk COPY and deletes use its name and columns);
        # SQLAlchemy declares the wider FromClause, which also covers joins and subqueries
        __table__: ClassVar[Table]


# Money is integer fen. BigInteger on PostgreSQL; SQLite integers are 64-bit anyway.
Fen = BigInteger


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on both backends (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to UTCDateTime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine for `url`; on PostgreSQL at most pool_size + max_overflow connections."""
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _rec: Any) -> None:
            # We issue BEGIN ourselves (below); pysqlite's implicit transactions would defer the
            # write lock and make concurrent writers fail with "database is locked" instead of
            # waiting for the busy timeout.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=FULL")  # crash safety over speed
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writing requests take the write lock up front (IMMEDIATE), so read-then-write
            # transactions (budget commit, audit chain) queue on the busy timeout instead of
            # failing on lock upgrade. Reading requests use a plain deferred BEGIN: in WAL mode
            # they neither wait for nor block the writer.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if WRITE_TX.get() else "BEGIN")

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=30
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent).

    "heads", not "head": while branches that each add a migration are being merged, the
    revision graph may briefly have more than one head; every head is applied either way."""
    command.upgrade(alembic_config(engine), "heads")


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The newest revision(s) the package ships."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """The revision(s) the database is at (empty before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def schema_problem(engine: Engine) -> str | None:
    """None when the schema is at the newest revision; otherwise why not, in Chinese."""
    current, head = current_revisions(engine), head_revisions()
    if current == head:
        return None
    if not current:
        return "数据库尚未初始化，请先运行 huiqi db upgrade"
    return (
        f"数据库版本 {', '.join(sorted(current))} 不是最新版本 {', '.join(sorted(head))}，"
        "请先运行 huiqi db upgrade"
    )
