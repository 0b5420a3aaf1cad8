"""`huiqi serve --workers 2` runs a job worker beside its web workers, and a `kill -9` of the
master takes every one of them with it (PR_SET_PDEATHSIG): nothing keeps serving the port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from huiqi.platform.workers import reuseport_supported
from tests.helpers.workers import free_port

pytestmark = pytest.mark.skipif(not reuseport_supported(), reason="Linux only")


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(x) for x in path.read_text().split()} if path.exists() else set()


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(") ", 1)[1][0] != "Z"  # a zombie has exited


def test_kill_9_of_the_master_takes_its_workers_along(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HUIQI_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "HUIQI_LOG_LEVEL": "warning",
    }
    huiqi = str(Path(sys.executable).parent / "huiqi")
    cmd = [huiqi, "serve", "--workers", "2", "--port", str(port)]
    master = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        kids: set[int] = set()
        while time.monotonic() < deadline:
            kids = _children(master.pid)
            try:
                ok = httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok and len(kids) == 3:
                break
            time.sleep(0.3)
        assert len(kids) == 3, kids  # two web workers and the job worker
        cmdlines = [Path(f"/proc/{k}/cmdline").read_bytes() for k in kids]
        assert sum(b"huiqi.cli.worker_cmd" in c for c in cmdlines) == 1
        os.kill(master.pid, signal.SIGKILL)
        master.wait(timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(k) for k in kids):
            time.sleep(0.2)
        assert not any(_alive(k) for k in kids), [k for k in kids if _alive(k)]
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{base}/api/v1/health", timeout=3)
    finally:
        if master.poll() is None:
            master.kill()
        for k in _children(master.pid):
            os.kill(k, signal.SIGKILL)
