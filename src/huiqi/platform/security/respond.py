"""Refusals sent by the security middleware, before the app: the platform's error JSON for API
clients, a short zh-CN page for a person's browser."""

from __future__ import annotations

import html

import orjson
from starlette.types import Scope, Send


def wants_html(scope: Scope) -> bool:
    if str(scope.get("path", "")).startswith("/api/"):
        return False
    if b"format=json" in (scope.get("query_string") or b""):
        return False
    for key, value in scope.get("headers") or ():
        if key == b"accept":
            return b"text/html" in value
    return False


def html_page(scope: Scope, message: str) -> bytes:
    """A short zh-CN page stating why a request was refused (for a person's browser)."""
    root = html.escape(str(scope.get("root_path", "")))
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>请求未能完成 · 惠企</title>"
        f'<link rel="stylesheet" href="{root}/static/web/style.css"></head><body>'
        '<main id="main"><h1>请求未能完成</h1><p class="error-box" role="alert">'
        f"{html.escape(message)}</p>"
        f'<p><a href="{root}/">返回首页</a></p></main></body></html>'
    ).encode()


async def refuse(
    scope: Scope,
    send: Send,
    status: int,
    path: str,
    rule: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> None:
    if wants_html(scope):
        body = html_page(scope, message)
        ctype = b"text/html; charset=utf-8"
    else:
        errors = [{"path": path, "rule": rule, "message": message}]
        body = orjson.dumps({"errors": errors})
        ctype = b"application/json"
    raw = [
        (b"content-type", ctype),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the body is not wanted
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
