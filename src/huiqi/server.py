"""The whole site: the platform's API and the zh-CN pages in one app, and `huiqi serve`.

This module is the composition root: the platform (huiqi.platform) knows nothing of the pages
(huiqi.web); `create_app` here builds the API app and mounts the pages on it.

`huiqi serve`: the demo in one command, or a production server that checks before it starts.

Demo (the default, HUIQI_DEMO=1): upgrade the schema, seed the demo data (idempotent), print the
logins, serve. Production (`--production` or HUIQI_PRODUCTION=1): refuse to start when the demo
is on, demo data is in the database, no secret key is set, or the schema is not at the newest
migration (`huiqi db upgrade` does that, once, not every worker at start).
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from huiqi.platform.app import create_api_app
from huiqi.platform.settings import PlatformSettings, database_url_from_env
from huiqi.web.routes import mount


def create_app(database_url: str | None = None, seed_demo: bool = False, **options: Any) -> FastAPI:
    """The platform's API under /api/v1 with the zh-CN pages at the site root. The arguments
    are those of huiqi.platform.app.create_api_app (settings, migrate_schema, run_jobs)."""
    app = create_api_app(database_url, seed_demo, **options)
    mount(app)
    return app


if TYPE_CHECKING:
    from sqlalchemy import Engine


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def demo_data_present(engine: Engine) -> bool:
    """Whether the demo seed ever ran on this database (its audit record says so), or a demo
    account still has the published demo password."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    import huiqi.platform.models  # noqa: F401  (every table, for the ORM's foreign keys)
    from huiqi.platform.audit.models import AuditEntry
    from huiqi.platform.auth.models import User
    from huiqi.platform.auth.service import verify_password
    from huiqi.platform.demo import DEMO_PASSWORD, DEMO_USERS

    with Session(engine) as db:
        if db.scalar(select(AuditEntry.seq).where(AuditEntry.action == "demo.seed").limit(1)):
            return True
        names = [u for u, *_ in DEMO_USERS]
        users = db.scalars(select(User).where(User.username.in_(names), User.active))
        return any(verify_password(u.password_hash, DEMO_PASSWORD) for u in users)


def production_problems(settings: PlatformSettings) -> list[str]:
    from huiqi.platform.db import make_engine, schema_problem

    problems = settings.production_problems()
    engine = make_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        schema = schema_problem(engine)
        if schema:
            problems.append(schema)
        elif demo_data_present(engine):
            problems.append("数据库中有演示数据或仍使用演示密码的演示账号，不能用于生产")
    except Exception as exc:
        problems.append(f"数据库无法连接：{exc.__class__.__name__}: {exc}")
    finally:
        engine.dispose()
    return problems


def metrics_dir(settings: PlatformSettings) -> Path:
    """PROMETHEUS_MULTIPROC_DIR for the workers, emptied at start (the values of a previous
    run would otherwise be summed into this one's)."""
    path = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.data_dir / "metrics")
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


# The serving processes' collector thresholds. A whole-policy calculator answer holds a few
# thousand container objects at its peak, all freed by reference counting when it is sent; at
# the default 700 each answer ran about two young collections and, every hundred or two, a full
# one (in-process, 600 answers under load: 1,100 young, 100 middle, 3-9 full collections of up
# to 16 ms; 0.7-1.1 ms of collector time per answer). At 10,000 those requests run none: young
# garbage is reclaimed before it reaches the threshold, and the start-up objects are frozen
# (create_api_app's lifespan), so a rare full collection only walks what grew since.
GC_THRESHOLDS = (10_000, 50, 100)


def tune_gc() -> None:
    """Set the collector thresholds of the serving processes (forked workers inherit them)."""
    gc.set_threshold(*GC_THRESHOLDS)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    database_url: str | None = None,
    workers: int | None = None,
    *,
    production: bool | None = None,
    root_path: str | None = None,
    settings: PlatformSettings | None = None,
) -> int:
    """Returns the exit status (2 when production checks fail, 1 when workers kept dying)."""
    settings = settings or PlatformSettings()
    settings.database_url = database_url_from_env(database_url or settings.database_url)
    if production is not None:
        settings.production = production
    if root_path is not None:
        settings.root_path = PlatformSettings(root_path=root_path).root_path
    workers = workers or settings.workers
    tune_gc()

    from huiqi.platform.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    if settings.production:
        problems = production_problems(settings)
        if problems:
            print("拒绝以生产模式启动：", file=sys.stderr, flush=True)
            for p in problems:
                print(f"  - {p}", file=sys.stderr, flush=True)
            return 2
    if workers > 1:
        # before prometheus_client is imported anywhere: it picks its storage at import
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir(settings))

    if settings.demo:
        from huiqi.platform.demo import DEMO_TODAY

        # The policy's window has ended: the demo runs on a visible demo clock inside it (every
        # page says 演示环境), never pretending the policy is live today.
        os.environ.setdefault("HUIQI_TODAY", DEMO_TODAY)
    url = settings.database_url
    # the parent upgrades once (except in production) and seeds the demo; workers do neither
    app = create_app(
        url, seed_demo=settings.demo, settings=settings, migrate_schema=not settings.production
    )
    if settings.demo:
        from huiqi.platform.demo import seed_applications
        from huiqi.platform.matching.demo import seed_matching

        with app.state.sessionmaker() as db:
            seed_applications(db)
            seed_matching(db)
    _print_banner(host, port, url, settings)
    if workers > 1:
        from huiqi.platform.workers import reuseport_supported, run_workers

        if reuseport_supported():
            app.state.engine.dispose()  # each worker opens its own connections after the fork
            shown = f"{workers} 个工作进程（SO_REUSEPORT 均衡连接）+ 1 个后台任务进程"
            print(f"{shown}。按 Ctrl+C 停止。", flush=True)
            return run_workers(
                lambda: create_app(url, settings=settings, migrate_schema=False),
                host,
                port,
                workers,
                uvicorn_options(settings),
                job_worker_url=url,
            )
        print("本系统不支持 SO_REUSEPORT，以单进程运行。", flush=True)
    import uvicorn

    from huiqi.platform.workers import start_job_worker

    print("后台任务进程已启动（免申即享、企业导入、批量筛查）。按 Ctrl+C 停止。", flush=True)
    job_worker = start_job_worker(url)
    try:
        uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
    finally:
        job_worker.terminate()
        try:
            job_worker.wait(timeout=30)
        except Exception:
            job_worker.kill()
    return 0


def uvicorn_options(settings: PlatformSettings) -> dict[str, Any]:
    from huiqi.platform.observability import uvicorn_log_config
    from huiqi.platform.security.proxies import UVICORN_OPTIONS

    return {
        "root_path": settings.root_path,
        # uvicorn's own proxy handling stays off (it trusts 127.0.0.1 by default): the security
        # middleware believes X-Forwarded-* only from HUIQI_TRUSTED_PROXIES
        **UVICORN_OPTIONS,
        "log_level": settings.log_level,
        "log_config": uvicorn_log_config(),
        "access_log": False,  # huiqi.access writes it, with the request id
    }


def _print_banner(host: str, port: int, url: str, settings: PlatformSettings) -> None:
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}{settings.root_path}"
    print(f"惠企平台已启动，请在浏览器打开：{base}/", flush=True)
    print(
        f"  政策库 {base}/policy    政策计算器 {base}/calculator    登录 {base}/login", flush=True
    )
    print(f"  API 文档 {base}/api/v1/docs    数据库：{_safe_url(url)}", flush=True)
    if not settings.demo:
        return
    from huiqi.platform.demo import DEMO_PASSWORD, DEMO_USERS

    print(f"演示环境：业务日期固定为 {os.environ['HUIQI_TODAY']}（HUIQI_TODAY）", flush=True)

    print(f"演示账号（密码均为 {DEMO_PASSWORD}）：", flush=True)
    for username, role, name, _extra in DEMO_USERS:
        print(f"  {username:<12} {role:<17} {name}", flush=True)


if __name__ == "__main__":  # python -m huiqi.server [port]
    raise SystemExit(serve(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8000))
