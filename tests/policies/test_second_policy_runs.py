"""A second policy package runs through the platform's calculator and through bulk screening
with no change to the engine or the platform: only its id in the settings or on the command.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from huiqi.platform.app import create_api_app
from huiqi.platform.settings import PlatformSettings
from huiqi.policies import load_policy, register_policy
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.evaluator import STATUS_NAMES
from huiqi.sandbox.population import credit_codes
from huiqi.screening.registry import evaluate_part, load_part
from huiqi.screening.registry_screen import screen_directory

TOY = "toy-small-firms-2024"
MONEY = pa.decimal128(18, 2)


def _toy() -> None:
    register_policy(TOY, "tests.policies.toy_policy")


def test_the_platform_calculator_evaluates_the_policy_it_is_configured_with(
    tmp_path: Path,
) -> None:
    _toy()
    settings = PlatformSettings(policy_id=TOY)
    app = create_api_app(f"sqlite:///{tmp_path / 'toy.db'}", settings=settings)
    case = {
        "as_of": "2024-06-30",
        "annual": {"2023": {"revenue": "1000000", "rd_expense": "100000"}},
    }
    with TestClient(app) as client:
        res = client.post("/api/v1/evaluate", json=case)
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["policy"]["id"] == TOY
        assert [(r["measure"], r["status"], r["amount"]) for r in body["results"]] == [
            ("1.1.1", "eligible", "5000.00")
        ]
        # below its threshold (营业收入100万元及以上) the toy measure says no
        small = {**case, "annual": {"2023": {"revenue": "999999.99", "rd_expense": "100000"}}}
        assert client.post("/api/v1/evaluate", json=small).json()["results"][0]["status"] == (
            "ineligible"
        )
        text = client.post("/api/v1/explain", json=case).text
        assert "示范市支持小微企业若干措施" in text and "5,000.00" in text
        assert "武汉" not in text
        # the API's description names the configured policy
        openapi = client.get("/api/v1/openapi.json").json()
        assert "示范市支持小微企业若干措施" in openapi["info"]["description"]


def _registry(firms: int) -> dict[str, pa.Table]:
    codes = credit_codes(np.arange(firms, dtype=np.int64), np.full(firms, 110108)).to_pylist()
    enterprises = pa.Table.from_pylist(
        [
            {"credit_code": code, "size": "small", "as_of": dt.date(2024, 6, 30)}
            for code in codes
        ],
        schema=pa.schema([("credit_code", pa.string()), ("size", pa.string()),
                          ("as_of", pa.date32())]),
    )  # fmt: skip
    annual = []
    for i, code in enumerate(codes):
        # just below and at the 100万元 threshold (研发投入 over the cap there), a plain 5% and a
        # 5% that rounds half up
        revenue = [Decimal("999999.99"), Decimal("1000000"), Decimal("5000000"), Decimal("2000000")]
        rd = [Decimal("100000"), Decimal("3000000"), Decimal("1000000"), Decimal("12345.67")]
        revenue, rd = revenue[i % 4], rd[i % 4]
        annual.append({"credit_code": code, "year": 2023, "revenue": revenue, "rd_expense": rd})
    annual_table = pa.Table.from_pylist(
        annual,
        schema=pa.schema([("credit_code", pa.string()), ("year", pa.int32()),
                          ("revenue", MONEY), ("rd_expense", MONEY)]),
    )  # fmt: skip
    return {"enterprises": enterprises, "annual": annual_table}


def test_bulk_screening_of_the_second_policy_equals_its_single_evaluation() -> None:
    _toy()
    policy = load_policy(TOY)
    tables = _registry(16)
    part = load_part(policy, {**tables, "recognitions": None, "projects": None,
                              "awards": None, "other_awards": None})  # fmt: skip
    assert not part.bad.any(), part.problems[:3]
    [result] = evaluate_part(policy, part)
    assert result.measure == "1.1.1"
    enterprises = tables["enterprises"].to_pylist()
    annual = tables["annual"].to_pylist()
    eligible = 0
    for row, case_index in enumerate(result.case):
        ent = enterprises[int(case_index)]
        fig = annual[int(case_index)]
        case = {
            "as_of": ent["as_of"].isoformat(),
            "enterprise": {"credit_code": ent["credit_code"], "size": ent["size"]},
            "annual": {"2023": {k: str(fig[k]) for k in ("revenue", "rd_expense") if fig[k]}},
        }
        [single] = evaluate_case_json(policy, case)["results"]
        bulk = (STATUS_NAMES[result.status[row]], int(result.amount[row]))
        assert bulk == (single["status"], int(Decimal(single["amount"]) * 100)), case
        eligible += bulk[0] == "eligible"
    assert eligible == 12  # all but the 999999.99 firms
    # 0 below the threshold, 3000000 * 5% capped at 10万元, 1000000 * 5%, 12345.67 * 5% = 617.2835
    assert {int(a) for a in result.amount} == {0, 100000_00, 50000_00, 617_28}


def test_the_screen_command_path_runs_the_second_policy(tmp_path: Path) -> None:
    _toy()
    policy = load_policy(TOY)
    registry = tmp_path / "registry"
    registry.mkdir()
    for name, table in _registry(8).items():
        pq.write_table(table, registry / f"{name}.parquet")
    out = tmp_path / "out.parquet"
    report = screen_directory(policy, registry, out, fiscal_year=2023, progress=False)
    written = pq.read_table(out).to_pylist()
    assert {r["measure"] for r in written} == {"1.1.1"}
    # two firms of each kind above: 2 * (100000 + 50000 + 617.28)
    assert sum(r["amount"] for r in written) == Decimal("301234.56")
    assert report.cases == 8 and report.total_fen == 301234_56
