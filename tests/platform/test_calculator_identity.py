"""The calculator's fast route answers byte for byte what the evaluator gives each case alone.

Corpus: every YAML case of the installed policy, three seeded perturbations of each (figures
scaled), and seeded firms around the 2.6.x thresholds with and without their district; each
asked for the whole policy and for 2.6.x, in batches (as a busy server forms them) through
the Batcher, and a sample with the docs' example firm through the ASGI app (fast route) and
the documented FastAPI route, byte for byte.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from fastapi.testclient import TestClient

from huiqi.platform.calculator import Batcher, CalculatorRoute
from huiqi.platform.policy import get_policy
from huiqi.platform.settings import PlatformSettings
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.errors import InputError
from huiqi.server import create_app
from tests.policies.case_files import policy_cases

ROOT = Path(__file__).resolve().parents[2]
EVALUATE = "/api/v1/evaluate"
JSON_BODY = {"content-type": "application/json"}
MEASURE_LISTS: list[tuple[str, ...] | None] = [None, ("2.6.1", "2.6.2", "2.6.3")]


def _scaled(value: Any, factor: Decimal) -> Any:
    if isinstance(value, dict):
        return {k: _scaled(v, factor) if k in ("revenue", "rd_expense", "amount") or
                isinstance(v, (dict, list)) else v for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return int(Decimal(value) * factor)
    if isinstance(value, str):
        try:
            return str((Decimal(value) * factor).quantize(Decimal("0.01")))
        except ArithmeticError:
            return value
    return value


def _firm(rng: random.Random, district: bool) -> dict[str, Any]:
    revenue = rng.randrange(2_000_000, 40_000_000, 10_000)
    case: dict[str, Any] = {
        "as_of": "2024-06-30",
        "fiscal_year": 2023,
        "enterprise": {"software_enterprise": rng.random() < 0.8},
        "annual": {
            "2023": {"revenue": revenue, "rd_expense": rng.randrange(0, revenue // 4 + 1, 1000)},
            "2022": {"revenue": rng.randrange(1_000_000, revenue + 1, 10_000)},
        },
        "recognitions": [{"kind": "dcmm", "level": rng.choice((2, 3, 4, 5)), "date": "2023-05-01"}],
    }
    if district:
        case["enterprise"]["district"] = "洪山区"
    return case


def corpus() -> list[Any]:
    pol = get_policy()
    yaml_cases = [case for pid, _, case, _ in policy_cases() if pid == pol.id]
    rng = random.Random(20221)
    out: list[Any] = []
    for case in yaml_cases:
        out.append(case)
        for _ in range(3):
            out.append(_scaled(copy.deepcopy(case), Decimal(rng.choice((0, 1, 2, 5))) / 2))
    out += [_firm(rng, district=k % 2 == 0) for k in range(120)]
    # through JSON with Decimal, as the route parses a body
    return [json.loads(json.dumps(c, default=str), parse_float=Decimal) for c in out]


def _alone(case: Any, ids: tuple[str, ...] | None) -> bytes:
    try:
        return orjson.dumps(evaluate_case_json(get_policy(), case, list(ids) if ids else None))
    except InputError as e:
        return orjson.dumps({"errors": [x.to_json() for x in e.errors]})


def test_batched_answers_are_the_evaluators_bytes() -> None:
    cases = corpus()
    assert len(cases) > 400
    batcher = Batcher(get_policy, max_batch=8)

    async def ask(case: Any, ids: tuple[str, ...] | None) -> bytes:
        try:
            return orjson.dumps(await batcher.evaluate(case, ids))
        except InputError as e:
            return orjson.dumps({"errors": [x.to_json() for x in e.errors]})

    async def all_at_once(ids: tuple[str, ...] | None) -> list[bytes]:
        return list(await asyncio.gather(*(ask(c, ids) for c in cases)))

    for ids in MEASURE_LISTS:
        got = asyncio.run(all_at_once(ids))
        assert batcher.batches >= len(cases) // 8  # really in batches
        for case, answer in zip(cases, got, strict=True):
            assert answer == _alone(case, ids), case


def test_fast_and_documented_routes_send_the_evaluators_bytes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'r.db'}"
    unlimited = PlatformSettings(rate_per_second=1e6, burst=10**6)  # many requests, one client
    app = create_app(url, settings=unlimited)
    plain_app = create_app(url, settings=unlimited)
    kept = [m for m in plain_app.user_middleware if m.cls is not CalculatorRoute]
    plain_app.user_middleware = kept
    # the docs' example firm too: recognitions, an earlier award, a credit code and a district
    example_text = (ROOT / "examples" / "software-firm.json").read_text(encoding="utf-8")
    example = json.loads(example_text, parse_float=Decimal)
    sample = [example, *corpus()[::7]]
    with TestClient(app) as fast, TestClient(plain_app) as plain:
        for ids in MEASURE_LISTS:
            query = f"?measures={','.join(ids)}" if ids else ""
            for case in sample:
                body = json.dumps(case, default=str, ensure_ascii=False).encode()
                want = _alone(case, ids)
                a = fast.post(f"{EVALUATE}{query}", content=body, headers=JSON_BODY)
                b = plain.post(f"{EVALUATE}{query}", content=body, headers=JSON_BODY)
                assert a.content == want, case
                assert b.content == want, case
    app.state.engine.dispose()
    plain_app.state.engine.dispose()
