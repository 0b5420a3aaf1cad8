"""The platform's API app: /api/v1 and the operations routes, no pages.

huiqi.server composes it with the zh-CN pages (huiqi.web); nothing in huiqi.platform imports
the pages.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from huiqi.platform.calculator import Batcher, CalculatorRoute
from huiqi.platform.db import make_engine, make_sessionmaker, migrate
from huiqi.platform.errors import install_error_handlers
from huiqi.platform.observability import RequestContext
from huiqi.platform.policy import get_policy
from huiqi.platform.ratelimit import TokenBucket
from huiqi.platform.security import install as install_security
from huiqi.platform.settings import PlatformSettings, database_url_from_env

API_PREFIX = "/api/v1"

DESCRIPTION = """
惠企平台 API：把《{title}》（{document_number}）办成可申报、可审核、
可公示、可拨付、可审计的业务。

* `POST /api/v1/evaluate`、`/explain` 免登录（限流），
  与命令行 `huiqi evaluate` / `huiqi explain` 同一契约。
* 其余接口需先 `POST /api/v1/auth/login` 取得 token（`Authorization: Bearer …`，或会话 Cookie）。
* 金额一律为整数“分”（字段名以 `_fen` 结尾）。
* 错误统一为 `{"errors": [{"path", "rule", "message"}]}`，message 为中文。
"""


def _routers() -> list[APIRouter]:
    from huiqi.platform.applications.views import router as applications
    from huiqi.platform.audit.views import router as audit
    from huiqi.platform.auth.views import router as auth
    from huiqi.platform.budgets.views import router as budgets
    from huiqi.platform.campaigns.views import router as campaigns
    from huiqi.platform.challenges.views import router as challenges
    from huiqi.platform.credit.views import router as credit
    from huiqi.platform.enterprises.views import router as enterprises
    from huiqi.platform.evaluate_views import router as evaluate
    from huiqi.platform.jobs.views import router as jobs
    from huiqi.platform.matching.views import router as matching
    from huiqi.platform.materials.views import router as materials
    from huiqi.platform.payments.views import router as payments
    from huiqi.platform.public_notices.views import router as notices
    from huiqi.platform.reviews.views import router as reviews
    from huiqi.platform.tasks.views import router as tasks
    from huiqi.platform.vouchers.views import router as vouchers

    return [
        evaluate, auth, enterprises, applications, reviews, notices,
        payments, budgets, tasks, campaigns, credit, audit, jobs, materials,
        challenges,
        matching,
        vouchers,
    ]  # fmt: skip


def create_api_app(
    database_url: str | None = None,
    seed_demo: bool = False,
    *,
    settings: PlatformSettings | None = None,
    migrate_schema: bool = True,
    run_jobs: bool = False,
) -> FastAPI:
    """The platform API app; seeds demo data when asked.

    `migrate_schema` upgrades the database on creation (tests, the demo, embedding); the
    production server's workers pass False: there `huiqi db upgrade` migrates, once.
    `run_jobs` also runs background jobs in a thread of this process (embedded use and tests;
    `huiqi serve` starts a separate job worker process instead).
    """
    settings = settings or PlatformSettings()
    settings.database_url = database_url_from_env(database_url or settings.database_url)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    if migrate_schema:
        migrate(engine)
    sm = make_sessionmaker(engine)
    if seed_demo:
        from huiqi.platform.demo import seed

        with sm() as db:
            seed(db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        get_policy(settings.policy_id)  # load the policy before the first request, not in it
        # Everything alive now (the policy, FastAPI, SQLAlchemy: ~175,000 objects) lives as
        # long as the process: move it out of the collector's sight. A full collection of it
        # took 150-310 ms here (4 measurements), which under load lands on some request.
        gc.collect()
        gc.freeze()
        stop = threading.Event()
        if run_jobs:
            from huiqi.platform.jobs.runner import Worker

            worker = Worker(sm, poll_seconds=0.2)
            threading.Thread(target=worker.run_forever, args=(stop,), daemon=True).start()
        yield
        stop.set()
        engine.dispose()

    policy = get_policy(settings.policy_id)
    app = FastAPI(
        title="惠企平台 huiqi platform",
        version="1.0.0",
        description=DESCRIPTION.replace("{title}", policy.title).replace(
            "{document_number}", policy.document_number
        ),
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served from the package's own copy (ops_routes), never a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sm
    app.state.bucket = TokenBucket(settings.rate_per_second, settings.burst)
    app.state.batcher = Batcher(lambda: get_policy(settings.policy_id))
    app.add_middleware(
        CalculatorRoute,
        path=f"{API_PREFIX}/evaluate",
        batcher=app.state.batcher,
        bucket=app.state.bucket,
    )
    install_error_handlers(app)
    install_security(app, settings)
    for r in _routers():
        app.include_router(r, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/health", tags=["系统"], summary="健康检查（免登录）")
    def health() -> dict[str, Any]:
        batcher: Batcher = app.state.batcher
        # this worker's calculator batching: cases / batches is the mean batch size
        return {
            "status": "ok",
            "worker": os.getpid(),
            "calculator": {"batches": batcher.batches, "cases": batcher.cases},
        }

    from huiqi.platform.ops_routes import install

    install(app, API_PREFIX)
    # outermost: the request id and the access log cover every answer, errors included
    app.add_middleware(RequestContext, fast_paths=frozenset({f"{API_PREFIX}/evaluate"}))
    return app
