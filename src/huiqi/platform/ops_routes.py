"""Operations endpoints: liveness, readiness, metrics, and the API docs served offline.

* `/health`: the process answers (no database call: a load balancer polls it often).
* `/ready`: the database answers and its schema is at the newest migration; 503 otherwise,
  so a proxy or an orchestrator sends no traffic to a worker that cannot serve it.
* `/metrics`: Prometheus text format, summed over every worker (see observability).
* `/api/v1/docs` and `/api/v1/redoc`: Swagger UI and ReDoc from the copies shipped in the
  `fastapi-offline` package, so the docs work on a network without internet access.
"""

from __future__ import annotations

import importlib.resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from huiqi.platform.db import schema_problem
from huiqi.platform.observability import metrics

DOCS_ASSETS = "/static/api-docs"


def docs_assets_dir() -> str:
    return str(importlib.resources.files("fastapi_offline") / "static")


def _root(request: Request) -> str:
    scope = request.scope
    return str(scope.get("app_root_path", scope.get("root_path", ""))).rstrip("/")


def readiness(app: FastAPI) -> tuple[bool, dict[str, Any]]:
    """(ready, body): the database reachable and at the newest schema revision."""
    engine = app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        problem = schema_problem(engine)
    except Exception as exc:  # any failure to reach the database means: not ready
        problem = f"数据库无法连接：{type(exc).__name__}"
    if problem:
        return False, {"errors": [{"path": "database", "rule": "not_ready", "message": problem}]}
    return True, {"status": "ready", "database": engine.dialect.name}


def install(app: FastAPI, api_prefix: str) -> None:
    app.mount(DOCS_ASSETS, StaticFiles(directory=docs_assets_dir()), name="api-docs-static")

    @app.get("/health", tags=["系统"], summary="存活检查（免登录，不访问数据库）")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/ready", tags=["系统"], summary="就绪检查：数据库可连接且已迁移到最新版本（否则 503）"
    )
    def ready() -> Response:
        ok, body = readiness(app)
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        body, content_type = metrics().render()
        return Response(body, media_type=content_type)

    @app.get(f"{api_prefix}/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} · API 文档",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        )

    @app.get(f"{api_prefix}/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} · API 文档（ReDoc）",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
