"""Page timings at scale: the list pages and the dashboard with a million applications.

    # 1. a database at the schema of the commit under test, filled by the scale fixture
    python benchmarks/platform_pages.py seed URL --firms 100000 --applications 1000000
    # 2. p50/p95 of every page, HTML and JSON twin, through the whole app (TestClient)
    python benchmarks/platform_pages.py bench URL --label after --rounds 20
    # 3. the plans of the list queries (EXPLAIN ANALYZE)
    python benchmarks/platform_pages.py explain URL
    # 4. per page: every SELECT one request sends, EXPLAIN (ANALYZE, BUFFERS) summed
    python benchmarks/platform_pages.py plans URL
    # 5. per page: cProfile of the in-process app (where the Python time goes)
    python benchmarks/platform_pages.py profile URL --only "公示 list" --rounds 20

`bench` uses only what every recent commit has (create_app, the /login form, the page URLs),
so the same file measures the commit before a change: run it with PYTHONPATH pointing at that
commit's `src` (see benchmarks/results/pages-2026-12-01.md for how the figures were taken).
`seed` never migrates: migrate the database first with the code under test, so an older
commit's schema (without this commit's indexes) can be measured on the same rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

PAGES: list[tuple[str, str, str]] = [
    # (name, user, path)  -- {batch}, {campaign} are filled in from the data
    ("officer queue (district)", "district_dh", "/officer/queue"),
    ("officer queue (city)", "city_jx", "/officer/queue"),
    ("officer queue, status filter", "district_dh", "/officer/queue?status=paid"),
    ("firm's applications", "enterprise1", "/enterprise/applications"),
    ("公示 list", "", "/notices"),
    ("公示 batch items", "", "/notices/{batch}"),
    ("payments (district)", "district_dh", "/officer/payments"),
    ("payments (city)", "city_jx", "/officer/payments"),
    ("payments (admin)", "admin", "/officer/payments"),
    ("pushes of a campaign", "admin", "/admin/campaigns/{campaign}"),
    ("firm's pushes", "enterprise1", "/enterprise/offers"),
    ("audit list", "admin", "/admin/audit"),
    ("analyst dashboard", "analyst", "/analyst"),
    ("API applications (admin)", "admin", "/api/v1/applications?limit=50"),
    ("API stats (analyst)", "analyst", "/api/v1/stats"),
]


def load() -> str:
    return os.popen("cat /proc/loadavg").read().strip()


def seed(url: str, firms: int, applications: int) -> None:
    from huiqi.platform.db import make_engine, make_sessionmaker
    from huiqi.platform.demo import seed as seed_demo
    from huiqi.platform.scale import seed_applications, seed_registry
    from huiqi.platform.scale_history import seed_history

    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    t0 = time.perf_counter()
    with sm() as db:
        seed_demo(db)
        first = seed_registry(db, firms)
        t1 = time.perf_counter()
        apps = seed_applications(db, applications, first_enterprise=first, firms=firms)
        t2 = time.perf_counter()
        counts = seed_history(db, apps)
        t3 = time.perf_counter()
        db.commit()
    with engine.connect() as conn:  # fresh statistics and visibility map for the planner
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    print(json.dumps({
        "firms_s": round(t1 - t0, 1), "applications_s": round(t2 - t1, 1),
        "history_s": round(t3 - t2, 1), "total_s": round(time.perf_counter() - t0, 1),
        "rows": counts, "load": load(),
    }, ensure_ascii=False))  # fmt: skip


def _first_ids(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        batch = conn.execute(text("SELECT max(batch_id) FROM notice_items")).scalar() or 1
        camp = conn.execute(text("SELECT max(campaign_id) FROM campaign_pushes")).scalar() or 1
    engine.dispose()
    return {"batch": int(batch), "campaign": int(camp)}


def _time(call: Callable[[], Any], rounds: int) -> dict[str, Any]:
    """Wall-clock and this process's CPU time per request (the app runs in-process, so CPU
    time is what the page costs in Python on a free core, whatever the load; the database's
    share is in `plans`)."""
    times, cpu, status = [], [], None
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        status = call()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()
    cpu.sort()
    at95 = min(len(times) - 1, round(0.95 * (len(times) - 1)))
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[at95], 1),
            "max_ms": round(times[-1], 1), "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(cpu[at95], 1), "n": rounds, "status": status}  # fmt: skip


def _logged_in_pages(
    url: str, only: str | None, wrap: Callable[[Any], Any] | None = None
) -> Iterator[tuple[Any, str, Any, str]]:
    """(app, page name, a client logged in as the page's user, the page's path) for each page
    in PAGES (or those whose name contains one of the comma-separated `only`)."""
    from fastapi.testclient import TestClient

    try:  # the composed app (pages + API); older trees built it in the platform
        from huiqi.server import create_app
    except ImportError:
        from huiqi.platform.app import create_app  # type: ignore[attr-defined,no-redef]

    ids = _first_ids(url)
    app = create_app(url, migrate_schema=False)
    served = wrap(app) if wrap is not None else app
    clients: dict[str, TestClient] = {}
    with TestClient(served) as anon:
        clients[""] = anon
        for name, user, path in PAGES:
            if only and not any(part in name for part in only.split(",")):
                continue
            if user not in clients:
                c = TestClient(served)
                r = c.post("/login", data={"username": user, "password": "demo123"},
                           follow_redirects=False)  # fmt: skip
                assert r.status_code == 303, (user, r.status_code)
                clients[user] = c
            yield app, name, clients[user], path.format(**ids)
    app.state.engine.dispose()


def bench(url: str, label: str, rounds: int, only: str | None) -> None:
    results: dict[str, Any] = {"label": label, "load_before": load()}
    for _app, name, c, full in _logged_in_pages(url, only):
        row: dict[str, Any] = {"path": full}
        for kind, headers in (("html", {}), ("json", {"Accept": "application/json"})):
            if full.startswith("/api/") and kind == "html":
                continue
            c.get(full, headers=headers)  # warm: templates, plans, caches

            def call(full: str = full, headers: dict[str, str] = headers, c: Any = c) -> int:
                return c.get(full, headers=headers).status_code

            row[kind] = _time(call, rounds)
        results[name] = row
        print(json.dumps({name: row}, ensure_ascii=False), flush=True)
    results["load_after"] = load()
    print(json.dumps(results, ensure_ascii=False))


QUERIES = {
    "queue (district)": (
        "SELECT a.id FROM applications a JOIN enterprises e ON e.id = a.enterprise_id "
        "WHERE a.status <> 'draft' AND a.district = '东湖高新区' AND a.status IN ('submitted') "
        "ORDER BY a.submitted_at, a.id LIMIT 51"
    ),
    "queue (district), page n": (
        "SELECT a.id FROM applications a JOIN enterprises e ON e.id = a.enterprise_id "
        "WHERE a.status <> 'draft' AND a.district = '东湖高新区' AND a.status IN ('submitted') "
        "AND (a.submitted_at, a.id) > ('2024-09-01+00', 0) ORDER BY a.submitted_at, a.id LIMIT 51"
    ),
    "queue (city)": (
        "SELECT a.id FROM applications a JOIN enterprises e ON e.id = a.enterprise_id "
        "WHERE a.status <> 'draft' AND a.measure_id IN ('2.6.1', '2.6.2', '2.6.3') AND a.status "
        "IN ('district_passed', 'expert_review', 'city_passed') "
        "ORDER BY a.submitted_at, a.id LIMIT 51"
    ),
    "others by status (district)": (
        "SELECT a.id FROM applications a WHERE a.status <> 'draft' AND a.district = '东湖高新区' "
        "AND a.status = 'paid' ORDER BY a.id DESC LIMIT 51"
    ),
    "firm's applications": (
        "SELECT a.id FROM applications a WHERE a.enterprise_id = 50000 ORDER BY a.id DESC LIMIT 51"
    ),
    "公示 items": (
        "SELECT i.id FROM notice_items i JOIN applications a ON a.id = i.application_id "
        "WHERE i.batch_id = (SELECT max(batch_id) FROM notice_items) ORDER BY i.id LIMIT 51"
    ),
    "payments (district)": (
        "SELECT p.id FROM payments p JOIN applications a ON a.id = p.application_id "
        "WHERE p.application_id IN (SELECT id FROM applications WHERE status <> 'draft' "
        "AND district = '东湖高新区') ORDER BY p.id DESC LIMIT 51"
    ),
    "payments (city)": (
        "SELECT p.id FROM payments p JOIN applications a ON a.id = p.application_id "
        "WHERE p.application_id IN (SELECT id FROM applications WHERE status <> 'draft' "
        "AND measure_id IN ('2.6.1', '2.6.2', '2.6.3')) ORDER BY p.id DESC LIMIT 51"
    ),
    "已拨付合计 (district), summed from payments (before)": (
        "SELECT coalesce(sum(amount_fen), 0) FROM payments WHERE status = 'paid' AND "
        "application_id IN (SELECT id FROM applications WHERE status <> 'draft' "
        "AND district = '东湖高新区')"
    ),
    "已拨付合计 (district), from payment_totals": (
        "SELECT sum(paid_fen) FROM payment_totals WHERE district = '东湖高新区'"
    ),
    "已拨付合计 (city), from payment_totals": (
        "SELECT sum(paid_fen) FROM payment_totals WHERE measure_id IN ('2.6.1', '2.6.2', '2.6.3')"
    ),
    "queue total (city), exact COUNT (before)": (
        "SELECT count(*) FROM applications WHERE status <> 'draft' AND measure_id IN "
        "('2.6.1', '2.6.2', '2.6.3') AND status IN ('district_passed', 'expert_review', "
        "'city_passed')"
    ),
    "queue total (city), bounded COUNT": (
        "SELECT count(*) FROM (SELECT 1 FROM applications WHERE status <> 'draft' AND "
        "measure_id IN ('2.6.1', '2.6.2', '2.6.3') AND status IN ('district_passed', "
        "'expert_review', 'city_passed') LIMIT 1001) s"
    ),
    "queue total (admin), bounded COUNT": (
        "SELECT count(*) FROM (SELECT 1 FROM applications WHERE status <> 'draft' AND "
        "status IN ('submitted', 'district_passed', 'expert_review', 'city_passed') "
        "LIMIT 1001) s"
    ),
    "ready to pay (district)": (
        "SELECT a.id FROM applications a WHERE a.status <> 'draft' AND a.district = '东湖高新区' "
        "AND a.status = 'noticed' AND NOT EXISTS (SELECT 1 FROM payments p "
        "WHERE p.application_id = a.id) ORDER BY a.id LIMIT 51"
    ),
    "audit by entity": (
        "SELECT seq FROM audit_log WHERE entity = 'payment' ORDER BY seq DESC LIMIT 51"
    ),
    "pushes of a campaign": (
        "SELECT id FROM campaign_pushes WHERE campaign_id = 1 ORDER BY id LIMIT 51"
    ),
    "dashboard: status counts": (
        "SELECT status, count(*) FROM applications WHERE status <> 'draft' GROUP BY status"
    ),
    "dashboard: by district": (
        "SELECT e.district, a.fiscal_year, sum(a.decided_amount_fen), count(*) FROM applications a "
        "JOIN enterprises e ON e.id = a.enterprise_id WHERE a.status IN ('approved', "
        "'in_notice', 'noticed', 'paid') GROUP BY e.district, a.fiscal_year"
    ),
    "dashboard: submitted per month": (
        "SELECT to_char(timezone('Asia/Shanghai', submitted_at), 'YYYY-MM'), count(*) "
        "FROM applications WHERE status <> 'draft' GROUP BY 1"
    ),
    "dashboard: committed per month": (
        "SELECT to_char(timezone('Asia/Shanghai', at), 'YYYY-MM'), sum(amount) FROM ("
        "SELECT a.decided_amount_fen AS amount, max(r.created_at) AS at FROM applications a "
        "JOIN review_steps r ON r.application_id = a.id WHERE a.status IN ('approved', "
        "'in_notice', 'noticed', 'paid') AND r.stage = 'decision' AND r.outcome = 'approve' "
        "GROUP BY a.id, a.decided_amount_fen) s GROUP BY 1"
    ),
}


def _page_statements(app: Any, client: Any, path: str, headers: dict[str, str]) -> list[Any]:
    """Every SELECT one request of `path` sends, with its parameters (as the driver got them)."""
    from sqlalchemy import event

    statements: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(app.state.engine, "before_cursor_execute", grab)
    try:
        client.get(path, headers=headers)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", grab)
    return statements


def _worst_node(plan: dict[str, Any]) -> str:
    """The plan node that touched the most buffers itself (not counting its children)."""
    best: tuple[int, str] = (-1, "")

    def own(node: dict[str, Any]) -> int:
        total = node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
        for child in node.get("Plans", []):
            total -= child.get("Shared Hit Blocks", 0) + child.get("Shared Read Blocks", 0)
        return total

    def visit(node: dict[str, Any]) -> None:
        nonlocal best
        label = node["Node Type"] + (
            f" on {node['Relation Name']}" if "Relation Name" in node else ""
        )
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        label += f" ({node.get('Actual Rows', 0) * node.get('Actual Loops', 1):.0f} rows)"
        if own(node) > best[0]:
            best = (own(node), label)
        for child in node.get("Plans", []):
            visit(child)

    visit(plan)
    return best[1]


def plans(url: str, only: str | None) -> None:
    """Per page: the SELECTs one request sends, EXPLAIN (ANALYZE, BUFFERS) of each, summed:
    buffers touched does not depend on the machine's load, so it shows whether a page's cost
    grows with the table where wall-clock under load cannot."""
    for app, name, client, full in _logged_in_pages(url, only):
        headers = {"Accept": "application/json"}
        client.get(full, headers=headers)  # warm
        found = _page_statements(app, client, full, headers)
        buffers, ms, worst = 0, 0.0, (0, 0.0, "")
        with app.state.engine.connect() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                for statement, parameters in found:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                                parameters)  # fmt: skip
                    doc = cur.fetchone()[0][0]
                    top = doc["Plan"]
                    b = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
                    buffers += b
                    ms += doc["Execution Time"]
                    if b > worst[0]:
                        worst = (b, doc["Execution Time"], _worst_node(top))
        print(json.dumps({name: {"path": full, "selects": len(found), "buffers": buffers,
                                 "sql_ms": round(ms, 2), "worst_buffers": worst[0],
                                 "worst_ms": round(worst[1], 2), "worst_node": worst[2]}},
                         ensure_ascii=False), flush=True)  # fmt: skip


def profile(url: str, rounds: int, only: str | None, top: int) -> None:
    """Per page: a CPU-time profile of `rounds` requests (HTML, then the JSON twin) of the app
    alone, not the test client: the event loop's thread (middleware, async handlers) and the
    worker threads (sync handlers and dependencies) are profiled separately and merged. The
    `top` functions by their own time and by cumulative time: where a page's Python goes."""
    import cProfile
    import io
    import pstats

    import anyio.to_thread

    loop_prof = cProfile.Profile(time.thread_time)
    work_prof = cProfile.Profile(time.thread_time)
    active = {"on": False}
    run_sync = anyio.to_thread.run_sync

    async def profiled_run_sync(func: Any, *args: Any, **kw: Any) -> Any:
        def call(*a: Any) -> Any:
            if not active["on"]:
                return func(*a)
            work_prof.enable()
            try:
                return func(*a)
            finally:
                work_prof.disable()

        return await run_sync(call, *args, **kw)

    anyio.to_thread.run_sync = profiled_run_sync  # type: ignore[assignment]

    def wrap(app: Any) -> Any:
        async def served(scope: Any, receive: Any, send: Any) -> None:
            if not active["on"] or scope["type"] != "http":
                await app(scope, receive, send)
                return
            loop_prof.enable()
            try:
                await app(scope, receive, send)
            finally:
                loop_prof.disable()

        served.state = app.state  # type: ignore[attr-defined]
        return served

    for _app, name, c, full in _logged_in_pages(url, only, wrap):
        for kind, headers in (("html", {}), ("json", {"Accept": "application/json"})):
            if full.startswith("/api/") and kind == "html":
                continue
            c.get(full, headers=headers)  # warm
            loop_prof.__init__(time.thread_time)  # type: ignore[misc]
            work_prof.__init__(time.thread_time)  # type: ignore[misc]
            active["on"] = True
            for _ in range(rounds):
                c.get(full, headers=headers)
            active["on"] = False
            out = io.StringIO()
            stats = pstats.Stats(loop_prof, stream=out)
            stats.add(work_prof)
            per = stats.total_tt * 1000 / rounds  # type: ignore[attr-defined]
            stats.sort_stats("tottime").print_stats(top)
            stats.sort_stats("cumulative").print_stats(top)
            print(f"### {name} ({kind}): {per:.1f} ms app CPU per request (profiled)\n")
            print(out.getvalue(), flush=True)


def explain(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        for name, sql in QUERIES.items():
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
            print(f"### {name}\n```\n" + "\n".join(plan) + "\n```\n", flush=True)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    s.add_argument("url")
    s.add_argument("--firms", type=int, default=100_000)
    s.add_argument("--applications", type=int, default=1_000_000)
    b = sub.add_parser("bench")
    b.add_argument("url")
    b.add_argument("--label", default="after")
    b.add_argument("--rounds", type=int, default=20)
    b.add_argument("--only", default=None)
    e = sub.add_parser("explain")
    e.add_argument("url")
    pl = sub.add_parser("plans")
    pl.add_argument("url")
    pl.add_argument("--only", default=None)
    pr = sub.add_parser("profile")
    pr.add_argument("url")
    pr.add_argument("--rounds", type=int, default=20)
    pr.add_argument("--only", default=None)
    pr.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    if args.cmd == "seed":
        seed(args.url, args.firms, args.applications)
    elif args.cmd == "bench":
        bench(args.url, args.label, args.rounds, args.only)
    elif args.cmd == "plans":
        plans(args.url, args.only)
    elif args.cmd == "profile":
        profile(args.url, args.rounds, args.only, args.top)
    else:
        explain(args.url)


if __name__ == "__main__":
    main()
