"""Logs, request ids and Prometheus metrics.

Every request gets an id: the caller's `X-Request-ID` when it is a sane token (a proxy or a
client tracing its own calls), else a fresh one. It is echoed in the response, carried by every
log line written while the request runs, and by the access log line written when it ends.

Logs are one JSON object per line on stderr (journald or the container runtime collects them;
retention is the log system's job, see docs/operations.md). Metrics: with
PROMETHEUS_MULTIPROC_DIR set (`huiqi serve` sets it for its workers) every worker writes its
counters to files there and `/metrics` on any worker sums all of them, so one scrape sees the
whole server, not the worker that happened to answer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str] = ContextVar("huiqi_request_id", default="")
REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ACCESS = logging.getLogger("huiqi.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            out["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        fields = getattr(record, "fields", None)
        extra = " ".join(f"{k}={v}" for k, v in fields.items()) if isinstance(fields, dict) else ""
        return " ".join(p for p in (line, f"[{request_id}]" if request_id else "", extra) if p)


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Route the platform's and uvicorn's loggers to stderr in one format (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
    # alembic reports each migration context at info: noise when /ready checks the revision
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    # the access log is ours (with the request id and the duration), not uvicorn's
    logging.getLogger("uvicorn.access").disabled = True


def uvicorn_log_config() -> dict[str, Any]:
    """For uvicorn.Config(log_config=...): leave the logging set by configure_logging alone."""
    return {"version": 1, "disable_existing_loggers": False}


# --- metrics ------------------------------------------------------------------------------


class Metrics:
    """The platform's Prometheus metrics (HTTP requests and their durations)."""

    def __init__(self) -> None:
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Histogram,
            disable_created_metrics,
        )

        disable_created_metrics()  # the *_created series only double the output here

        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode the values live in files; a private registry keeps these
        # metrics out of the default one (which would also collect this process's own
        # platform metrics and duplicate them). Single process: the same private registry.
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "huiqi_http_requests",
            "HTTP requests answered, by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "huiqi_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


_METRICS: Metrics | None = None


def metrics() -> Metrics:
    """One set of metric objects per process (prometheus_client refuses duplicates)."""
    global _METRICS
    if _METRICS is None:
        _METRICS = Metrics()
    return _METRICS


def route_label(
    scope: Scope, path: str, root: str, fast_paths: frozenset[str] = frozenset()
) -> str:
    """The route's template (`/api/v1/applications/{app_id}`), never the raw path: raw paths
    would make one time series per id. Paths answered before routing (`fast_paths`) keep their
    own label; other unmatched paths (404s, static files) share one."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str):
        return template
    raw = path[len(root) :] if root and path.startswith(root) else path
    if raw in fast_paths:
        return raw
    return "/static" if raw.startswith("/static/") else "(unmatched)"


class RequestContext:
    """Pure ASGI middleware (outermost): request id, access log line, request metrics."""

    def __init__(
        self, app: ASGIApp, *, access_log: bool = True, fast_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.access_log = access_log
        self.fast_paths = fast_paths
        self.metrics = metrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                text = value.decode("latin-1")
                request_id = text if _SANE_ID.fullmatch(text) else ""
                break
        request_id = request_id or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        # read before the app runs: a mounted sub-application rewrites root_path in the scope
        path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_label(scope, path, root, self.fast_paths)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(seconds)
            if self.access_log:
                client = scope.get("client")
                ACCESS.info(
                    "%s %s %s",
                    method,
                    path,
                    status,
                    extra={
                        "request_id": request_id,
                        "fields": {
                            "method": method,
                            "path": path,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 2),
                            "client": client[0] if client else None,
                            "user_agent": _header(scope, b"user-agent"),
                        },
                    },
                )
            REQUEST_ID.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == name:
            return str(v.decode("latin-1"))[:256]
    return None
