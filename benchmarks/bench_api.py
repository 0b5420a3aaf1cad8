"""Load benchmark of the public calculator: huiqi `POST /api/v1/evaluate` beside OpenFisca's
Web API (`POST /calculate`) computing the same 2.6.x rules, in one run, on loopback.

It reports; it never passes or fails. For each server (2 worker processes each, the machine's
2 cores):
- open loop at a fixed rate (default 200 req/s for 20 s): p50 / p99 / max latency, errors;
- closed loop (default 32 concurrent clients for 15 s): throughput.
The load generator (Python asyncio on raw streams; `--closed wrk` runs the closed loop with
Debian's `wrk` instead) runs on the same 2 cores, which the table notes. Each phase also
records the CPU the server's processes and the generator itself spent per request, so a
latency can be told apart from a generator that starves the servers of the cores.

    .venv/bin/python benchmarks/bench_api.py [--rate 200] [--seconds 20] [--concurrency 32]
        [--loop asyncio|uvloop] [--closed asyncio|wrk] [--only huiqi]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psutil
from bench_screen import git_head

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent

FIRM = {"revenue": 8_000_000, "previous": 5_000_000, "rd": 1_300_000, "dcmm": 4}
FIRMS = 500  # distinct firms the load rotates through, so no answer can be served twice


def firms(n: int = FIRMS) -> list[dict[str, int]]:
    """Deterministic firms around the 2.6.x thresholds (some eligible, some not), the
    first one being FIRM, the worked example of the docs."""
    rng = random.Random(20221)
    out = [FIRM]
    while len(out) < n:
        revenue = rng.randrange(2_000_000, 40_000_000, 10_000)
        out.append(
            {
                "revenue": revenue,
                "previous": rng.randrange(1_000_000, revenue + 1, 10_000),
                "rd": rng.randrange(0, revenue // 4 + 1, 1_000),
                "dcmm": rng.choice((2, 3, 4, 5)),
            }
        )
    return out


def huiqi_case(firm: dict[str, int]) -> dict[str, Any]:
    # a Wuhan firm: without its district the policy's scope condition is unknown and every
    # 2.6.x row would be ineligible (a question for the firm), not the amounts OpenFisca computes
    return {
        "as_of": "2024-06-30",
        "fiscal_year": 2023,
        "enterprise": {"software_enterprise": True, "district": "洪山区"},
        "annual": {
            "2023": {"revenue": firm["revenue"], "rd_expense": firm["rd"]},
            "2022": {"revenue": firm["previous"]},
        },
        "recognitions": [{"kind": "dcmm", "level": firm["dcmm"], "date": "2023-05-01"}],
    }


def openfisca_case(firm: dict[str, int]) -> dict[str, Any]:
    return {
        "enterprises": {
            "e1": {
                "software_enterprise": {"2023": True},
                "revenue": {"2023": firm["revenue"]},
                "revenue_previous_year": {"2023": firm["previous"]},
                "rd_expense": {"2023": firm["rd"]},
                "dcmm_level": {"2023": firm["dcmm"]},
                **{k: {"2023": None} for k in ("award_2_6_1", "award_2_6_2", "award_2_6_3")},
            }
        }
    }


HUIQI_CASE = huiqi_case(FIRM)
OPENFISCA_CASE = openfisca_case(FIRM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(name: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    if name == "huiqi":
        # the product's own multi-process mode (a socket per worker), with no demo data and
        # the calculator's per-IP rate limit lifted: all the load comes from one address
        env = {
            **env,
            "HUIQI_NO_DEMO": "1",
            "HUIQI_CALCULATOR_RATE": "1e9",
            "HUIQI_CALCULATOR_BURST": "1e9",
            # no access log: the OpenFisca side runs at warning too, and stderr is a pipe
            "HUIQI_LOG_LEVEL": "warning",
        }
        cmd = [
            str(VENV_BIN / "huiqi"), "serve", "--workers", "2", "--host", "127.0.0.1",
            "--port", str(port),
        ]  # fmt: skip
    else:
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--chdir",
            str(HERE),
            "--log-level",
            "warning",
            "api_apps:openfisca_app()",
        ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def null_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The floor: an ASGI app that reads the body and answers `{}` at once, under the same
    uvicorn (2 workers). Its latencies are the generator's, the loopback's and uvicorn's, none
    of them an evaluation's, so they say how much of a server's p50 / p99 is not its own."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


def start_floor(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [
        str(VENV_BIN / "uvicorn"), "--app-dir", str(HERE), "bench_api:null_app", "--workers", "2",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_up(url: str, body: dict[str, Any], timeout: float = 90) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            r = httpx.post(url, json=body, timeout=10)
            if r.status_code == 200:
                return dict(r.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


class Connection:
    """A keep-alive HTTP/1.1 connection on raw asyncio streams. An httpx client took about
    2 ms of its own CPU per request here (measured once, busy machine), which on 2 shared
    cores would be counted as server latency; this costs a small fraction of that."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed an idle keep-alive connection")
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        self.writer.close()


def request_bytes(url: str, bodies: list[bytes]) -> tuple[str, int, list[bytes]]:
    """One ready-made HTTP/1.1 request per body, sent in turn."""
    parsed = httpx.URL(url)
    target = parsed.raw_path.decode()
    requests = [
        (
            f"POST {target} HTTP/1.1\r\nHost: {parsed.host}:{parsed.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]
    return str(parsed.host), int(parsed.port or 80), requests


async def open_loop(url: str, bodies: list[bytes], rate: float, seconds: float) -> Phase:
    """Requests sent on a fixed schedule whatever the server does: latency runs from the
    scheduled send time, so a server that falls behind is not excused (no coordinated
    omission). Connections come from a pool of 64 keep-alive connections."""
    host, port, requests = request_bytes(url, bodies)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await Connection.open(host, port))
    latencies: list[float] = []
    errors = 0

    async def one(scheduled: float, request: bytes) -> None:
        nonlocal errors
        conn = await pool.get()
        try:
            status = await conn.post(request)
        except (OSError, asyncio.IncompleteReadError):
            # an idle connection the server closed: reconnect once, the delay counts
            conn.close()
            conn = await Connection.open(host, port)
            try:
                status = await conn.post(request)
            except (OSError, asyncio.IncompleteReadError):
                status = 0
        if status != 200:
            errors += 1
        latencies.append(time.perf_counter() - scheduled)
        pool.put_nowait(conn)

    start_t = time.perf_counter()
    tasks = []
    n = int(rate * seconds)
    for i in range(n):
        scheduled = start_t + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, requests[i % len(requests)])))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    latencies.sort()
    return {
        "requests": n,
        "errors": errors,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


async def closed_loop(url: str, bodies: list[bytes], concurrency: int, seconds: float) -> Phase:
    host, port, requests = request_bytes(url, bodies)
    done = 0
    sent = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, sent
        conn = await Connection.open(host, port)
        while time.perf_counter() < stop:
            request = requests[sent % len(requests)]
            sent += 1
            try:
                if await conn.post(request) == 200:
                    done += 1
            except (OSError, asyncio.IncompleteReadError):
                conn.close()
                conn = await Connection.open(host, port)
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"rps": done / (time.perf_counter() - t0), "requests": done, "errors": sent - done}


WRK_SCRIPT = """
local bodies = {%s}
local n, i = #bodies, 0
local headers = {["Content-Type"] = "application/json"}
request = function()
  i = i + 1
  return wrk.format("POST", %s, headers, bodies[(i %% n) + 1])
end
"""


def wrk_closed_loop(url: str, bodies: list[bytes], concurrency: int, seconds: float) -> Phase:
    """The closed loop by `wrk` (C, one thread): the same rotating bodies, keep-alive
    connections, far less CPU per request than any Python client. Its CPU is read from the
    kernel's accounting of the reaped child."""
    parsed = httpx.URL(url)
    # Lua long brackets of a level no body contains: the JSON goes in verbatim
    quoted = ",".join(f"[==[{b.decode()}]==]" for b in bodies)
    script = WRK_SCRIPT % (quoted, json.dumps(parsed.raw_path.decode()))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as f:
        f.write(script)
        f.flush()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "-s", f.name,
             f"http://{parsed.host}:{parsed.port}/"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"rps": rps * (requests - errors) / max(requests, 1), "requests": requests,
            "errors": errors, "generator_cpu_s": cpu}  # fmt: skip


Phase = dict[str, float]


def server_cpu(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) the server's processes have used so far: the parent and
    all its children (the workers; huiqi's job worker too, which idles here)."""
    try:
        parent = psutil.Process(proc.pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def with_cpu(proc: subprocess.Popen[bytes], run: Callable[[], Phase]) -> Phase:
    """The phase's figures plus the CPU per request (ms) of the server and of the generator."""
    server0, gen0 = server_cpu(proc), time.process_time()
    phase = run()
    server, gen = server_cpu(proc) - server0, time.process_time() - gen0
    n = max(phase["requests"], 1)
    phase["server_cpu_ms"] = server * 1000 / n
    phase["generator_cpu_ms"] = phase.get("generator_cpu_s", gen) * 1000 / n
    return phase


ANSWERS_FROM = ("huiqi, 2.6.x", "OpenFisca Web API, 2.6.x")


def compare_answers(
    answers: dict[str, list[dict[str, Any]]], population: list[dict[str, int]]
) -> tuple[int, dict[str, tuple[str, float]]]:
    """How many firms get the same three amounts from both servers, and the first firm's."""
    same = 0
    first: dict[str, tuple[str, float]] = {}
    for k, (hq_answer, of_answer) in enumerate(
        zip(*(answers[n] for n in ANSWERS_FROM), strict=True)
    ):
        hq = {r["measure"]: r["amount"] for r in hq_answer["results"]}
        of = of_answer["enterprises"]["e1"]
        pairs = {
            m: (hq[m], of[f"award_{m.replace('.', '_')}"]["2023"])
            for m in ("2.6.1", "2.6.2", "2.6.3")
        }
        same += all(Decimal(h) == Decimal(str(round(o, 2))) for h, o in pairs.values())
        if k == 0:
            first = pairs
    assert len(population) == len(answers[ANSWERS_FROM[0]])
    return same, first


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def runner(loop: str) -> Callable[[Coroutine[Any, Any, Phase]], Phase]:
    if loop == "uvloop":
        import uvloop

        return uvloop.run
    return asyncio.run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument(
        "--loop", choices=("asyncio", "uvloop"), default="asyncio", help="the generator's loop"
    )
    ap.add_argument(
        "--closed",
        choices=("asyncio", "wrk"),
        default="asyncio",
        help="closed-loop generator: this process, or Debian's wrk (apt-get install wrk)",
    )
    ap.add_argument("--only", choices=("huiqi", "openfisca"), default=None)
    ap.add_argument("--no-floor", action="store_true", help="skip the no-op server's row")
    ap.add_argument("--results", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.closed == "wrk" and not shutil.which("wrk"):
        ap.error("wrk is not installed (apt-get install -y wrk)")
    run = runner(args.loop)

    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    }
    tmp = tempfile.mkdtemp(prefix="huiqi-bench-api-")
    env["HUIQI_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    rows: list[tuple[str, Phase, Phase]] = []
    answers = {}
    subset = "/api/v1/evaluate?measures=2.6.1,2.6.2,2.6.3"
    servers = (
        (
            "huiqi",
            huiqi_case,
            (("huiqi, 2.6.x", subset), ("huiqi, whole policy", "/api/v1/evaluate")),
        ),
        ("openfisca", openfisca_case, (("OpenFisca Web API, 2.6.x", "/calculate"),)),
    )
    population = firms()
    load_start = _load()
    floor: Phase | None = None
    if not args.no_floor:
        port = free_port()
        proc = start_floor(port, env)
        try:
            url = f"http://127.0.0.1:{port}/floor"
            wait_up(url, {})
            bodies = [json.dumps(huiqi_case(f)).encode() for f in population]
            run(open_loop(url, bodies, 50, 3))  # warm up
            floor = with_cpu(proc, partial(run, open_loop(url, bodies, args.rate, args.seconds)))
            print("floor", floor, flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    for server, make_case, variants in servers:
        if args.only and server != args.only:
            continue
        port = free_port()
        proc = start(server, port, env)
        try:
            cases = [make_case(f) for f in population]
            bodies = [json.dumps(c).encode() for c in cases]
            for name, path in variants:
                url = f"http://127.0.0.1:{port}{path}"
                wait_up(url, cases[0])
                run(open_loop(url, bodies, 50, 3))  # warm up
                fixed = with_cpu(
                    proc, partial(run, open_loop(url, bodies, args.rate, args.seconds))
                )
                closed_s = args.seconds * 0.75
                if args.closed == "wrk":
                    closing = partial(wrk_closed_loop, url, bodies, args.concurrency, closed_s)
                else:
                    closing = partial(run, closed_loop(url, bodies, args.concurrency, closed_s))
                closed = with_cpu(proc, closing)
                rows.append((name, fixed, closed))
                print(name, fixed, closed, flush=True)
                if name in ANSWERS_FROM:
                    with httpx.Client(timeout=30) as http:
                        answers[name] = [http.post(url, json=c).json() for c in cases]
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    of_rps = rows[-1][2]["rps"] if rows[-1][0].startswith("OpenFisca") else None
    closed_by = (
        f"`wrk -t1 -c{args.concurrency}` (C)"
        if args.closed == "wrk"
        else f"{args.concurrency} Python clients ({args.loop})"
    )
    lines = [
        f"# Calculator API load, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"huiqi at commit {git_head()}.",
        "",
        f"Open loop {args.rate:.0f} req/s for {args.seconds:.0f} s (Python generator, "
        f"{args.loop} loop); closed loop for {args.seconds * 0.75:.0f} s by {closed_by}. Both "
        "servers 2 worker processes on loopback (`huiqi serve --workers 2`; OpenFisca's Web API "
        "under `gunicorn -w 2`); the load generator shares the 2 cores. `huiqi, 2.6.x` asks for "
        "the 3 measures of 二（六） (?measures=), as OpenFisca computes; `whole policy` is every "
        "measure per request (the answer the public sees, with reasons, explanations and "
        "citations).",
        "",
        f"Machine load average (1/5/15 min) at the start {load_start}, at the end "
        f"{_load()} on {os.cpu_count()} CPUs: above the CPU count, other processes took "
        "part of the cores and the latencies are theirs as much as the servers'.",
        "",
        "CPU ms/req: CPU (user + system) the server's processes, and the load generator, spent "
        "per answered request in the open-loop (@rate) and closed-loop phases.",
        "",
        "| server | p50 ms | p99 ms | max ms | errors | throughput req/s | ÷ OpenFisca "
        "| server CPU ms/req @rate / closed | generator CPU ms/req @rate / closed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if floor is not None:
        lines.append(
            f"| floor: no-op ASGI app, same uvicorn and generator | {floor['p50_ms']:.1f} "
            f"| {floor['p99_ms']:.1f} | {floor['max_ms']:.1f} | {floor['errors']:.0f} | — | — "
            f"| {floor['server_cpu_ms']:.2f} / — | {floor['generator_cpu_ms']:.2f} / — |"
        )
    for name, fixed, closed in rows:
        ratio = f"{closed['rps'] / of_rps:.2f}×" if of_rps else "—"
        lines.append(
            f"| {name} | {fixed['p50_ms']:.1f} | {fixed['p99_ms']:.1f} | {fixed['max_ms']:.1f} "
            f"| {fixed['errors']:.0f} | {closed['rps']:.0f} | {ratio} "
            f"| {fixed['server_cpu_ms']:.2f} / {closed['server_cpu_ms']:.2f} "
            f"| {fixed['generator_cpu_ms']:.2f} / {closed['generator_cpu_ms']:.2f} |"
        )
    lines += [
        "",
        f"Load rotates through {len(population)} distinct firms (seeded; the first is the docs' "
        "example), so no server can answer from a cache.",
    ]
    if all(name in answers for name in ANSWERS_FROM):
        same, first = compare_answers(answers, population)
        lines += [
            "",
            f"Answers checked afterwards, firm by firm: huiqi and OpenFisca agree on {same} of "
            f"{len(population)} firms for all three 2.6.x amounts (OpenFisca computes in "
            f"float32). First firm (huiqi, OpenFisca): {first}",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = args.results or HERE / "results" / f"api-{dt.date.today().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
