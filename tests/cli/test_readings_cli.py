"""Readings from the command line: --reading on evaluate/explain/screen, `policy readings`."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from huiqi.rules.credit_code import make_credit_code
from tests.helpers.cli import EXAMPLE, huiqi

LATE_CLAIM = {
    "as_of": "2025-06-30",
    "fiscal_year": 2024,
    "enterprise": {"software_enterprise": True, "district": "洪山区"},
    "annual": {"2024": {"revenue": "10000000", "rd_expense": "2000000"}},
}


def test_a_reading_switches_the_answer(tmp_path: Path) -> None:
    case = tmp_path / "late.json"
    case.write_text(json.dumps(LATE_CLAIM, ensure_ascii=False), encoding="utf-8")
    default = json.loads(huiqi("evaluate", str(case), "--measure", "2.6.1").stdout)
    assert default["results"][0]["status"] == "ineligible"  # claimed after the window
    assert default["readings"] == {}
    out = huiqi(
        "evaluate", str(case), "--measure", "2.6.1", "--reading", "window.annual_basis=fiscal_year"
    )
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["results"][0]["amount"] == "200000.00"
    assert res["readings"] == {"window.annual_basis": "fiscal_year"}
    cited = {p["name"]: p["value"] for p in res["results"][0]["parameters"]}
    assert cited["window.annual_basis"] == "fiscal_year"
    text = huiqi("explain", str(case), "--reading", "window.annual_basis=fiscal_year")
    assert text.returncode == 0 and "2.6.1" in text.stdout


def test_only_readings_may_be_overridden() -> None:
    out = huiqi("evaluate", str(EXAMPLE), "--reading", "m2_6_1.cap=2000000")
    assert out.returncode == 2
    assert "readings.m2_6_1.cap" in out.stderr and "not_a_reading" in out.stderr
    bad_value = huiqi("evaluate", str(EXAMPLE), "--reading", "window.annual_basis=someday")
    assert bad_value.returncode == 2 and "readings.window.annual_basis" in bad_value.stderr
    no_equals = huiqi("explain", str(EXAMPLE), "--reading", "scope.wuhan_only")
    assert no_equals.returncode == 2 and "--reading" in no_equals.stderr


def test_bulk_screening_runs_under_a_reading(tmp_path: Path) -> None:
    # a software firm registered in 北京市海淀区 (division 110108): out of scope by default
    table = pa.table(
        {
            "credit_code": [
                make_credit_code("91110108MA4K00001"),
                make_credit_code("91420106MA4K00002"),
            ],
            "software_enterprise": [True, True],
            "revenue": pa.array(["10000000", "10000000"]),
            "revenue_previous_year": pa.array([None, None], pa.string()),
            "rd_expense": pa.array(["2000000", "2000000"]),
            "dcmm_level": pa.array([None, None], pa.int8()),
        }
    )
    src = tmp_path / "reg.parquet"
    pq.write_table(table, src)
    common = ["--fiscal-year", "2023", "--as-of", "2024-06-30", "--no-progress"]
    base = huiqi("screen", str(src), "-o", str(tmp_path / "a.parquet"), *common)
    assert base.returncode == 0, base.stderr
    awards = pq.read_table(tmp_path / "a.parquet").column("award_2_6_1").to_pylist()
    assert [str(a) for a in awards] == ["0.00", "200000.00"]
    wide = huiqi(
        "screen", str(src), "-o", str(tmp_path / "b.parquet"), *common,
        "--reading", "scope.wuhan_only=false",
    )  # fmt: skip
    assert wide.returncode == 0, wide.stderr
    awards = pq.read_table(tmp_path / "b.parquet").column("award_2_6_1").to_pylist()
    assert [str(a) for a in awards] == ["200000.00", "200000.00"]
    bad = huiqi("screen", str(src), "-o", str(tmp_path / "c.parquet"), *common,
                "--reading", "m2_6_1.rate=0.5")  # fmt: skip
    assert bad.returncode == 2 and "readings.m2_6_1.rate" in bad.stderr


def test_policy_readings_lists_every_reading_and_its_effect(tmp_path: Path) -> None:
    listing = huiqi("policy", "readings", "--json")
    assert listing.returncode == 0, listing.stderr
    rows = {r["name"]: r for r in json.loads(listing.stdout)}
    for name in (
        "window.annual_basis",
        "m2_6_3.upgrade_pays_difference",
        "m3_1_3.upgrade_pays_difference",
        "m3_1_1.window_basis",
        "m3_1_1.max_construction_years",
        "one_time.top_up",
        "jiugao.pay_difference",
        "scope.wuhan_only",
        "credit.block_any_penalty",
    ):
        assert name in rows and rows[name]["alternatives"], name
    assert rows["window.annual_basis"]["default"] == "claim_date"
    assert [a["value"] for a in rows["window.annual_basis"]["alternatives"]] == ["fiscal_year"]
    pop = tmp_path / "pop"
    made = huiqi("population", "-n", "3000", "--seed", "7", "-o", str(pop))
    assert made.returncode == 0, made.stderr
    out = huiqi("policy", "readings", "--population", str(pop), "--json")
    assert out.returncode == 0, out.stderr
    effects = {
        (r["name"], a["value"]): a for r in json.loads(out.stdout) for a in r["alternatives"]
    }
    assert all("firms_changed" in a and "delta" in a for a in effects.values())
    # rounding down can only lower amounts; paying full beside paid awards only raises them
    assert float(effects[("interpretation.rounding", "down")]["delta"]) <= 0
    assert float(effects[("jiugao.pay_difference", "false")]["delta"]) >= 0
    moved = [a for a in effects.values() if a["firms_changed"]]
    assert moved, "some reading changes some firm of a 3,000-firm population"
    text = huiqi("policy", "readings", "--population", str(pop))
    assert "家企业结果改变" in text.stdout


def test_policy_measures_lists_25_with_3_2_2() -> None:
    out = huiqi("policy", "measures", "--json")
    ids = [m["id"] for m in json.loads(out.stdout)]
    assert len(ids) == 25 and "3.2.2" in ids


def test_policy_readings_prints_the_effect_of_every_alternative(tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    made = huiqi("population", "-n", "2000", "--seed", "1", "-o", str(pop))
    assert made.returncode == 0, made.stderr
    listed = json.loads(huiqi("policy", "readings", "--population", str(pop), "--json").stdout)
    text = huiqi("policy", "readings", "--population", str(pop))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    shown = 0
    for reading in listed:
        for alt in reading["alternatives"]:
            value = alt["value"]
            head = f"  → {reading['name']}={value}："
            (line,) = [x for x in lines if x.startswith(head)]
            # the printed figures are the JSON's: firms, claims, and the money before → after
            assert f"{alt['firms_changed']:,} 家企业结果改变" in line, line
            assert f"（{alt['cases_changed']:,} 个申报）" in line, line
            assert "资金" in line and " → " in line, line
            shown += 1
    assert shown >= 20  # every alternative of every reading, none left out
