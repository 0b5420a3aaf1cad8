"""`huiqi serve --workers N`: N server processes, each with its own SO_REUSEPORT socket.

Why not uvicorn's own `--workers`: there the processes share one listening socket, whichever
calls accept() first takes a connection, and a keep-alive client then stays with that process.
Measured with the calculator load test (benchmarks/bench_api.py, 64 keep-alive connections,
full policy at 200 req/s, one run each): the two processes served 64 % and 36 % of the
requests, p99 37 ms, the busier one setting it. With one socket per process the kernel spreads
connections by their address hash: 51 % / 49 %, p99 18 ms.

The parent migrates and seeds once, then forks the workers and only supervises: it restarts a
worker that dies, forwards SIGTERM/SIGINT, and gives up if workers keep dying at start. It also
starts the background-job worker (`huiqi worker`, a separate process) and restarts it likewise.

Every child asks the kernel for SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG), so a
`kill -9` of the parent does not leave workers serving the port: a restart on the same port
then never answers from old and new code at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import uvicorn

RESTARTS_PER_MINUTE = 5
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int, sig: int = signal.SIGTERM) -> None:
    """In a child: receive `sig` when the parent process dies (Linux; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


def start_job_worker(database_url: str) -> subprocess.Popen[bytes]:
    """The background-job worker as a child process that dies with this one."""
    parent = os.getpid()
    return subprocess.Popen(
        [sys.executable, "-m", "huiqi.cli.worker_cmd"],
        env={**os.environ, "HUIQI_DATABASE_URL": database_url},
        preexec_fn=lambda: die_with_parent(parent),
    )


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
    job_worker_url: str | None = None,
) -> int:
    """Run `workers` processes (and, given a database URL, the job worker) until
    SIGTERM/SIGINT; returns the exit status.

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
    master = os.getpid()
    job_worker: subprocess.Popen[bytes] | None = None

    def spawn_job_worker() -> None:
        nonlocal job_worker
        if job_worker_url is not None:
            job_worker = start_job_worker(job_worker_url)
            children.add(job_worker.pid)

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, measured by the tests over HTTP
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            die_with_parent(master)
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
        spawn_job_worker()
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
            elif job_worker is not None and pid == job_worker.pid:
                job_worker.returncode = code  # reaped here; Popen must not wait for it again
                spawn_job_worker()
            else:
                spawn()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 1 if gave_up else 0
