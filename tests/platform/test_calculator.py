"""The public calculator's fast route and batcher (platform/calculator.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from huiqi.platform.calculator import Batcher, CalculatorRoute
from huiqi.platform.policy import get_policy
from huiqi.platform.settings import PlatformSettings
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.errors import InputError
from huiqi.server import create_app
from tests.helpers.cases import software_case
from tests.helpers.workers import free_port

EVALUATE = "/api/v1/evaluate"


def _firm(k: int) -> dict[str, Any]:
    return software_case(500_000_000 + k * 7_000_000, 40_000_000 + k * 3_000_000, 450_000_000)


def _expected(case: dict[str, Any], ids: list[str] | None = None) -> dict[str, Any]:
    return evaluate_case_json(get_policy(), json.loads(json.dumps(case), parse_float=Decimal), ids)


def test_requests_that_arrive_together_are_one_batch() -> None:
    batcher = Batcher(get_policy)
    cases = [_firm(k) for k in range(10)]

    async def all_at_once() -> list[Any]:
        return await asyncio.gather(
            *(batcher.evaluate(c, ("2.6.1", "2.6.2")) for c in cases),
            batcher.evaluate({"as_of": "不是日期"}, ("2.6.1", "2.6.2")),
            return_exceptions=True,
        )

    answers = asyncio.run(all_at_once())
    assert (batcher.batches, batcher.cases) == (1, 11)
    assert answers[:10] == [_expected(c, ["2.6.1", "2.6.2"]) for c in cases]
    assert isinstance(answers[10], InputError) and answers[10].errors[0].path == "as_of"


def test_different_measure_lists_are_different_batches() -> None:
    batcher = Batcher(get_policy)

    async def run() -> list[Any]:
        return await asyncio.gather(
            batcher.evaluate(_firm(1), ("2.6.1",)),
            batcher.evaluate(_firm(2), None),
            batcher.evaluate(_firm(3), ("2.6.1",)),
        )

    one, everything, three = asyncio.run(run())
    assert batcher.batches == 2
    assert [r["measure"] for r in one["results"]] == ["2.6.1"]
    assert everything == _expected(_firm(2))
    assert three == _expected(_firm(3), ["2.6.1"])


def test_concurrent_clients_through_uvicorn(tmp_path: Path) -> None:
    """A real server, 60 clients at once: each gets its own firm's answer, bad input its own
    422, and the fast route answers errors in the platform's shape."""
    app = create_app(
        f"sqlite:///{tmp_path / 'calc.db'}",
        settings=PlatformSettings(rate_per_second=1e6, burst=10**6),
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        cases = [_firm(k) for k in range(60)]
        cases[17] = {**cases[17], "annual": {"2023": {"revenue": "五百万"}}}

        async def clients() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                return await asyncio.gather(*(http.post(EVALUATE, json=c) for c in cases))

        responses = asyncio.run(clients())
        for k, r in enumerate(responses):
            if k == 17:
                assert r.status_code == 422
                assert r.json()["errors"][0]["path"] == "annual.2023.revenue"
            else:
                assert r.status_code == 200 and r.json() == _expected(cases[k]), k
        stats = httpx.get(f"{base}/api/v1/health").json()["calculator"]
        assert stats["cases"] == 60 and 1 <= stats["batches"] <= 60

        r = httpx.post(f"{base}{EVALUATE}", content=b"{not json", timeout=30)
        assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "json_invalid"
        r = httpx.post(f"{base}{EVALUATE}", content=b" " * 1_000_001, timeout=30)
        assert r.status_code == 413 and "1MB" in r.json()["errors"][0]["message"]
        r = httpx.post(f"{base}{EVALUATE}?measures=2.6.1,7.7.7", json=cases[0], timeout=30)
        assert r.status_code == 422 and r.json()["errors"][0]["path"] == "measures"
        r = httpx.post(f"{base}{EVALUATE}?measures=2.6.2", json=cases[0], timeout=30)
        assert r.json() == _expected(cases[0], ["2.6.2"])
        assert r.headers["content-type"] == "application/json"
        # the route is still documented, and GET is not the calculator
        spec = httpx.get(f"{base}/api/v1/openapi.json", timeout=30).json()
        assert "post" in spec["paths"][EVALUATE]
        assert httpx.get(f"{base}{EVALUATE}", timeout=30).status_code == 405
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.engine.dispose()


def test_the_documented_route_answers_as_the_fast_route(tmp_path: Path) -> None:
    """The FastAPI route (kept for OpenAPI) gives the same answers when reached directly."""
    from fastapi.testclient import TestClient

    app = create_app(f"sqlite:///{tmp_path / 'r.db'}")
    plain_app = create_app(f"sqlite:///{tmp_path / 'r.db'}")
    # the same app without the fast route (the middleware stack is built on first request)
    kept = [m for m in plain_app.user_middleware if m.cls is not CalculatorRoute]
    assert len(kept) == len(plain_app.user_middleware) - 1  # the fast route really is gone
    plain_app.user_middleware = kept

    case = _firm(3)
    with TestClient(app) as fast, TestClient(plain_app) as plain:
        for query in ("", "?measures=2.6.2", "?measures=9.9.9"):
            a = fast.post(f"{EVALUATE}{query}", json=case)
            b = plain.post(f"{EVALUATE}{query}", json=case)
            assert (a.status_code, a.json()) == (b.status_code, b.json())
        assert plain.post(EVALUATE, content=b"{").json()["errors"][0]["rule"] == "json_invalid"
    app.state.engine.dispose()
    plain_app.state.engine.dispose()


def test_whole_policy_answers_run_almost_no_collection_at_the_serving_thresholds() -> None:
    """`huiqi serve` raises the collector's thresholds (server.GC_THRESHOLDS) so that an answer
    is freed by reference counting alone: the young garbage of one whole-policy answer, the
    largest the calculator gives, stays under the young threshold. What remains are the rare
    collections set off by the caches' slow growth (new firms, new small columns)."""
    import gc

    from huiqi.server import GC_THRESHOLDS, tune_gc

    policy = get_policy()
    cases = [json.loads(json.dumps(_firm(k)), parse_float=Decimal) for k in range(40)]

    def young_collections(batch: list[Any]) -> tuple[int, list[Any]]:
        gc.collect()
        start = gc.get_stats()[0]["collections"]
        answers = [evaluate_case_json(policy, case) for case in batch]
        return gc.get_stats()[0]["collections"] - start, answers

    before = gc.get_threshold()
    try:
        young_collections(cases)  # the caches filled, as in a warm worker
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        tuned, answers = young_collections(cases)
        gc.set_threshold(700, 10, 10)
        default, again = young_collections(cases)
    finally:
        gc.set_threshold(*before)
    assert again == answers
    assert default >= len(cases)  # Python's default: at least one collection per answer
    assert tuned <= len(cases) // 20, (tuned, default)
