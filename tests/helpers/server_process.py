"""`python -m huiqi.server` in a child process, waited for until it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HUIQI_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "huiqi.server", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ["HUIQI_TEST_SERVER_LOG"], "ab")  # noqa: SIM115
        if os.environ.get("HUIQI_TEST_SERVER_LOG")
        else subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start")
