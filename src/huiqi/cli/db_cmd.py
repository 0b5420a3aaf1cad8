"""`huiqi db`: schema migrations, their state, and an online backup.

The database is HUIQI_DATABASE_URL (or --database-url). `huiqi db upgrade` is the one place a
production deployment migrates: run it once per release, before restarting the web workers.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click

from huiqi.platform.db import current_revisions, head_revisions, make_engine, migrate
from huiqi.platform.settings import database_url_from_env

DB_URL_OPTION = click.option(
    "--database-url",
    default=None,
    metavar="URL",
    help="数据库 URL（默认取 HUIQI_DATABASE_URL，再默认 sqlite:///./huiqi.db）。",
)


@click.group("db")
def db() -> None:
    """数据库：迁移、版本、备份。"""


@db.command("upgrade")
@DB_URL_OPTION
def upgrade(database_url: str | None) -> None:
    """把数据库结构升级到本版本的最新迁移（幂等；生产环境在重启服务前运行一次）。"""
    engine = make_engine(database_url_from_env(database_url))
    try:
        before = current_revisions(engine)
        migrate(engine)
        after = current_revisions(engine)
    finally:
        engine.dispose()
    was = ", ".join(sorted(before)) or "空数据库"
    click.echo(f"数据库已是最新版本 {', '.join(sorted(after))}（升级前：{was}）")


@db.command("rebuild-dashboard")
@DB_URL_OPTION
def rebuild_dashboard(database_url: str | None) -> None:
    """从申报与拨付记录重新计算汇总表 dashboard_counts（分析看板）、payment_totals（已拨付合计）
    与 application_stats（汇总统计），一个事务内完成，可随时运行。"""
    from sqlalchemy.orm import Session

    from huiqi.platform.applications.stats import rebuild as rebuild_stats
    from huiqi.platform.dashboard.rollup import rebuild
    from huiqi.platform.payments.totals import rebuild as rebuild_payment_totals

    engine = make_engine(database_url_from_env(database_url))
    try:
        with Session(engine) as session:
            buckets = rebuild(session)
            paid_rows = rebuild_payment_totals(session)
            stat_rows = rebuild_stats(session)
            session.commit()
    finally:
        engine.dispose()
    click.echo(
        f"分析看板汇总表已重建：{buckets:,} 个分组；已拨付合计表：{paid_rows:,} 行；"
        f"汇总统计表：{stat_rows:,} 行"
    )


@db.command("current")
@DB_URL_OPTION
def current(database_url: str | None) -> None:
    """显示数据库当前版本与最新版本；不是最新时退出码为 1。"""
    engine = make_engine(database_url_from_env(database_url))
    try:
        now, head = current_revisions(engine), head_revisions()
    finally:
        engine.dispose()
    click.echo(f"当前版本：{', '.join(sorted(now)) or '（未初始化）'}")
    click.echo(f"最新版本：{', '.join(sorted(head))}")
    sys.exit(0 if now == head else 1)


def sqlite_path(url: str) -> Path:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        raise click.UsageError("内存数据库无法备份")
    return Path(database)


def backup_sqlite(url: str, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while the server keeps running (pages
    are copied under a read lock; writers that commit meanwhile restart the copy)."""
    src = sqlite3.connect(sqlite_path(url))
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (pg_dump): no `+psycopg` driver suffix."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def backup_postgres(url: str, target: Path) -> None:
    """pg_dump in its custom format (compressed; restore with pg_restore)."""
    if shutil.which("pg_dump") is None:
        raise click.ClickException("找不到 pg_dump（Debian：apt-get install postgresql-client）")
    done = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", libpq_url(url)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise click.ClickException(f"pg_dump 失败：{done.stderr.strip()}")


@db.command("backup")
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
@DB_URL_OPTION
def backup(target: Path, database_url: str | None) -> None:
    """在线备份数据库到 TARGET（服务无需停止）。

    \b
    SQLite：用 SQLite 在线备份 API 复制为一个完整的 .db 文件；
    PostgreSQL：pg_dump --format=custom（用 pg_restore 恢复）。
    恢复步骤见 docs/operations.md。
    """
    url = database_url_from_env(database_url)
    if target.exists():
        raise click.UsageError(f"{target} 已存在，不覆盖")
    if url.startswith("sqlite"):
        backup_sqlite(url, target)
    elif url.startswith("postgresql"):
        backup_postgres(url, target)
    else:
        raise click.UsageError(f"不支持备份此类数据库：{url.split(':')[0]}")
    click.echo(f"已备份到 {target}（{target.stat().st_size:,} 字节）")
