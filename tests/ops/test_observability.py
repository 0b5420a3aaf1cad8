"""/health, /ready, request ids, JSON logs and Prometheus metrics across `--workers 2`."""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from huiqi.platform.observability import JsonFormatter, configure_logging
from huiqi.server import create_app
from tests.helpers.deploy import huiqi_server


def test_health_answers_without_the_database(database_url: str) -> None:
    app = create_app(database_url)
    with TestClient(app) as client:
        assert client.get("/ready").json() == {
            "status": "ready",
            "database": app.state.engine.dialect.name,
        }
        app.state.engine.dispose()
        # the database goes away: alive, but not ready
        app.state.engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
        assert client.get("/health").json() == {"status": "ok"}
        r = client.get("/ready")
        assert r.status_code == 503
        assert r.json()["errors"][0]["rule"] == "not_ready"
        assert "数据库无法连接" in r.json()["errors"][0]["message"]


def test_ready_is_503_until_the_schema_is_at_head(database_url: str) -> None:
    app = create_app(database_url, migrate_schema=False)
    with TestClient(app) as client:
        r = client.get("/ready")
        assert r.status_code == 503
        assert "huiqi db upgrade" in r.json()["errors"][0]["message"]
        from huiqi.platform.db import migrate

        migrate(app.state.engine)
        assert client.get("/ready").status_code == 200
    app.state.engine.dispose()


def test_request_id_in_and_out(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'r.db'}")
    client = TestClient(app)
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    made = client.get("/health").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    # a header that could forge log lines is replaced, not echoed
    forged = client.get("/health", headers={"X-Request-ID": 'x" , "level": "error'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])
    # errors carry it too
    assert client.get("/no-such-page").headers["x-request-id"]


def test_access_log_is_json_with_the_request_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'l.db'}")
    client = TestClient(app)
    with caplog.at_level(logging.INFO, logger="huiqi.access"):
        client.get("/api/v1/health", headers={"X-Request-ID": "trace-7", "User-Agent": "t/1"})
    records = [r for r in caplog.records if r.name == "huiqi.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "trace-7"
    assert line["method"] == "GET" and line["path"] == "/api/v1/health"
    assert line["status"] == 200 and line["user_agent"] == "t/1"
    assert line["duration_ms"] >= 0 and line["level"] == "info"
    assert line["ts"].endswith("+00:00")


def test_configure_logging_writes_one_json_object_per_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("info", "json")
        logging.getLogger("huiqi.test").info("审核完成", extra={"fields": {"application": 7}})
        err = capsys.readouterr().err.strip().splitlines()
        line = json.loads(err[-1])
        assert line["message"] == "审核完成" and line["application"] == 7
        assert line["logger"] == "huiqi.test"
    finally:
        root.handlers, _ = saved
        root.setLevel(saved[1])


def _scrape(base: str) -> dict[str, float]:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    out = {}
    for line in text.splitlines():
        m = re.match(r"huiqi_http_requests_total\{(.*)\} ([0-9.e+]+)$", line)
        if m and 'route="/api/v1/health"' in m.group(1) and 'status="200"' in m.group(1):
            out[m.group(1)] = float(m.group(2))
    return out


@pytest.mark.slow
def test_metrics_sum_every_worker(tmp_path: Path) -> None:
    env = {
        "HUIQI_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "HUIQI_DATA_DIR": str(tmp_path / "data"),
        "HUIQI_LOG_LEVEL": "warning",
    }
    with huiqi_server(env, tmp_path / "serve.log", "--workers", "2") as (port, _proc):
        base = f"http://127.0.0.1:{port}"
        workers: dict[int, int] = {}
        deadline = time.monotonic() + 60
        sent = 0
        while (len(workers) < 2 or sent < 40) and time.monotonic() < deadline:
            with httpx.Client(base_url=base, timeout=10) as http:  # a new connection each time
                pid = http.get("/api/v1/health").json()["worker"]
            workers[pid] = workers.get(pid, 0) + 1
            sent += 1
        assert len(workers) == 2, workers  # both workers answered some of them
        # any worker's /metrics counts the requests of both
        for _ in range(4):
            assert sum(_scrape(base).values()) == sent
        files = sorted(p.name for p in (tmp_path / "data" / "metrics").iterdir())
        assert len({re.sub(r"\D", "", f) for f in files}) >= 2, files  # one set per worker
