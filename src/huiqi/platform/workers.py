"""`huiqi serve --workers N`: N server processes, each with its own SO_REUSEPORT socket.

Why not uvicorn's own `--workers`: there the processes share one listening socket, whichever
calls accept() first takes a connection, and a keep-alive client then stays with that process.
Measured with the calculator load test (benchmarks/bench_api.py, 64 keep-alive connections,
full policy at 200 req/s, one run each): the two processes served 64 % and 36 % of the
requests, p99 37 ms, the busier one setting it. With one socket per process the kernel spreads
connections by their address hash: 51 % / 49 %, p99 18 ms.

The parent migrates and seeds once, then forks the workers and only supervises: it restarts a
worker that dies, forwards SIGTERM/SIGINT, and gives up if workers keep dying at start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

import uvicorn

RESTARTS_PER_MINUTE = 5


def reuseport_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")


def reuseport_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(2048)
    return sock


def _worker(make_app: Callable[[], Any], host: str, port: int, options: dict[str, Any]) -> None:
    """In the child: its own socket, its own app (database connections never cross a fork)."""
    sock = reuseport_socket(host, port)
    config = uvicorn.Config(make_app(), **options)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(
    make_app: Callable[[], Any],
    host: str,
    port: int,
    workers: int,
    options: dict[str, Any] | None = None,
) -> int:
    """Run `workers` processes until SIGTERM/SIGINT; returns the exit status.

    `options` go to each worker's uvicorn.Config (root_path, proxy headers, logging)."""
    options = options or {"log_level": "warning"}
    # a taken or wrong address fails once, here, rather than in every child
    try:
        reuseport_socket(host, port, listen=False).close()
    except OSError as e:
        print(f"无法监听 {host}:{port}：{e.strerror or e}", file=sys.stderr, flush=True)
        return 1
    children: set[int] = set()
    stopping = gave_up = False
    recent_deaths: list[float] = []

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, measured by the tests over HTTP
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _worker(make_app, host, port, options)
            finally:
                os._exit(0)
        children.add(pid)

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(workers):
            spawn()
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            children.discard(pid)
            if stopping:
                continue
            now = time.monotonic()
            recent_deaths = [t for t in recent_deaths if now - t < 60] + [now]
            code = os.waitstatus_to_exitcode(status)
            gave_up = len(recent_deaths) > RESTARTS_PER_MINUTE
            then = "反复退出，停止服务" if gave_up else "重新启动"
            print(f"工作进程 {pid} 退出（{code}），{then}", file=sys.stderr, flush=True)
            if gave_up:
                stop(signal.SIGTERM, None)
            else:
                spawn()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 1 if gave_up else 0
