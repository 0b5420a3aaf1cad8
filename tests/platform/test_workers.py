"""`huiqi serve --workers N`: a socket per worker, connections spread, crashed workers replaced."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from huiqi.platform.workers import reuseport_supported
from tests.helpers.workers import free_port

pytestmark = pytest.mark.skipif(not reuseport_supported(), reason="SO_REUSEPORT is Linux-only")


def _workers_seen(base: str, connections: int = 24) -> dict[int, int]:
    """Which worker answered each of `connections` fresh connections."""
    seen: dict[int, int] = {}
    for _ in range(connections):
        with httpx.Client(base_url=base, timeout=10) as http:  # a new connection each time
            pid = http.get("/api/v1/health").json()["worker"]
            seen[pid] = seen.get(pid, 0) + 1
    return seen


def test_two_workers_share_the_connections_and_a_killed_one_is_replaced(tmp_path: Path) -> None:
    port = free_port()
    # warnings only: the access log would fill the unread stderr pipe and stall the server
    env = {
        **os.environ,
        "HUIQI_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        "HUIQI_LOG_LEVEL": "warning",
    }
    huiqi = str(Path(sys.executable).parent / "huiqi")
    cmd = [huiqi, "serve", "--workers", "2", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        seen: dict[int, int] = {}
        # both workers start listening on their own; wait until the kernel has both sockets
        while len(seen) < 2 and time.monotonic() < deadline:
            try:
                seen = _workers_seen(base)
            except httpx.HTTPError:
                time.sleep(0.3)
        assert len(seen) == 2, seen  # 24 connections on one of two sockets: odds 2^-23
        assert os.getpid() not in seen and proc.pid not in seen

        # the calculator answers the same from either worker, with the demo data seeded once
        case = {"fiscal_year": 2023, "as_of": "2024-06-30", "enterprise": {}}
        r = httpx.post(f"{base}/api/v1/evaluate", json=case, timeout=30)
        assert r.status_code == 200 and r.json()["total"] == "0.00"

        victim = next(iter(seen))
        os.kill(victim, signal.SIGKILL)
        fresh: dict[int, int] = {}
        while time.monotonic() < deadline:
            try:
                fresh = _workers_seen(base)
            except httpx.HTTPError:
                fresh = {}
            if len(fresh) == 2 and victim not in fresh:
                break
            time.sleep(0.3)
        assert len(fresh) == 2 and victim not in fresh, fresh
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert "2 个工作进程" in out.decode()
    assert "重新启动" in err.decode()  # the replacement was reported
    # no worker outlives the parent: the port is free again
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_a_taken_port_is_one_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "HUIQI_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
        huiqi = str(Path(sys.executable).parent / "huiqi")
        done = subprocess.run(
            [huiqi, "serve", "--workers", "2", "--port", str(port)],
            env=env,
            capture_output=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert f"无法监听 127.0.0.1:{port}" in done.stderr.decode()
