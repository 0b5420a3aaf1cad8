"""Processes for the deployment tests: the `huiqi` command, a fresh PostgreSQL database, a
production `huiqi serve`, and Debian's nginx with the sample configuration in front of it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.helpers.workers import free_port

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PG_URL = os.environ.get(
    "HUIQI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "s" * 48
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def huiqi(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """`huiqi ARGS` as an operator runs it (this interpreter, this source tree)."""
    return subprocess.run(
        [sys.executable, "-m", "huiqi.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """An empty PostgreSQL database of its own (not a schema in `test`), dropped afterwards."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text("SELECT 1"))
    except Exception:
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")
    name = f"hq_ops_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.engine.make_url(PG_URL).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def wait_http(url: str, seconds: float = 120, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def huiqi_server(
    env: dict[str, str], log: Path, *args: str, ready_path: str = "/health"
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "huiqi.cli.main", "serve", "--port", str(port), *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=out,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}{ready_path}", proc=proc)
        yield port, proc
    finally:
        stop(proc)


NGINX_MAIN = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream huiqi_app {{ server 127.0.0.1:{upstream}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        include {deploy}/nginx/huiqi-locations.conf;
    }}
}}
"""


@contextmanager
def nginx_in_front(upstream: int, tmp: Path) -> Iterator[int]:
    """Debian's nginx on a free port with the sample's locations, proxying to `upstream`."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx; scripts/services does)")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_MAIN.format(tmp=tmp, upstream=upstream, port=port, deploy=DEPLOY), encoding="utf-8"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/huiqi/health", seconds=30, proc=proc)
        yield port
    finally:
        stop(proc)
