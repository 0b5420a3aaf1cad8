"""The enterprise import alone, with the PostgreSQL server's CPU: 100,000 new firms, then the
same file again (100,000 updates), in one fresh schema, as background jobs.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_import.py --firms 100000 [--profile]

CPU is reported for this process (request and job worker) and for the PostgreSQL backends
serving the schema (read from /proc, so only where the server runs on this machine), with
the wall time and the load average. Run it for two trees one after the other to compare
(PYTHONPATH=<tree>/src). It reports; it never fails.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import time

from bench_platform import drop_schema, import_csv, new_schema, server_cpu


def own_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def main() -> None:
    from fastapi.testclient import TestClient

    from huiqi.platform.jobs.runner import Worker
    from huiqi.server import create_app

    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--profile", action="store_true", help="cProfile the first import")
    args = ap.parse_args()
    schema, url = new_schema()
    try:
        app = create_app(url, seed_demo=True)
        with TestClient(app) as c:
            login = {"username": "admin", "password": "demo123"}
            token = c.post("/api/v1/auth/login", json=login).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            data = import_csv(args.firms)
            for label in ("new firms", "re-import"):
                prof = cProfile.Profile() if args.profile and label == "new firms" else None
                server0, start, cpu0 = server_cpu(schema), time.perf_counter(), own_cpu()
                if prof is not None:
                    prof.enable()
                files = {"file": ("firms.csv", data, "text/csv")}
                r = c.post("/api/v1/enterprises/import", files=files, headers=headers)
                request = time.perf_counter() - start
                Worker(app.state.sessionmaker, name="bench-import").run_until_idle()
                if prof is not None:
                    prof.disable()
                wall, cpu = time.perf_counter() - start, own_cpu() - cpu0
                server1 = server_cpu(schema)
                server = sum(v - server0.get(pid, 0.0) for pid, v in server1.items())
                job = c.get(f"/api/v1/jobs/{r.json()['id']}", headers=headers).json()
                print(
                    f"{label}: wall {wall:.2f} s (request {request:.2f}), CPU {cpu:.2f} s, "
                    f"server CPU {server:.2f} s, load {os.getloadavg()[0]:.1f}, "
                    f"{job['status']} {job['result']}",
                    flush=True,
                )
                if prof is not None:
                    buf = io.StringIO()
                    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
                    print(buf.getvalue())
        app.state.engine.dispose()
    finally:
        drop_schema(schema)


if __name__ == "__main__":
    main()
