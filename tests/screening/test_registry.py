"""Full-policy bulk screening equals `huiqi evaluate` on every enterprise, to the fen.

A dense, seeded random registry stresses what the vectorised builders must get right:
several fiscal years per firm, as_of in and out of the window, missing figures, recognitions
of every kind with ties (same project, same tier, same date), projects of every kind,
prior awards under every prior rule, and other-policy awards with equal amounts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from huiqi.rules.evaluator import STATUS_NAMES
from huiqi.sandbox.population import PopulationSpec, make_part
from huiqi.screening.registry import evaluate_part, load_part

from .registry_cases import POLICY, cases_from_tables, random_registry, single_results


def bulk_results(policy, tables, **kw) -> tuple[dict[int, dict], object]:
    part = load_part(policy, tables, **kw)
    out: dict[int, dict] = {}
    for r in evaluate_part(policy, part):
        for i in range(len(r.case)):
            key = (r.measure, r.project[i])
            out.setdefault(int(r.case[i]), {})[key] = (STATUS_NAMES[r.status[i]], int(r.amount[i]))
    return out, part


def assert_same(policy, tables, **kw) -> int:
    bulk, part = bulk_results(policy, tables, **kw)
    assert not part.bad.any(), part.problems[:5]
    compared = 0
    for i, case in enumerate(cases_from_tables(tables)):
        single = single_results(policy, case)
        mine = bulk.get(i, {})
        for key, value in mine.items():
            assert single[key] == value, (i, key, value, single[key], case)
            compared += value[0] != "ineligible"
        for key, value in single.items():
            # rows the bulk path leaves out are rows.py's no-fact placeholders: never eligible
            if key not in mine:
                assert value == ("ineligible", 0), (i, key, value)
    return compared


@pytest.mark.parametrize("seed", range(6))
def test_bulk_equals_single_on_dense_random_registry(seed: int) -> None:
    compared = assert_same(POLICY, random_registry(seed))
    assert compared > 10  # the registry really exercises eligible/excluded/discretionary rows


def test_bulk_equals_single_under_a_reform() -> None:
    reform = POLICY.with_parameters(
        {"m2_6_1.cap": 2_000_000, "m2_6_1.rd_ratio": "0.10", "window.end": "2026-05-31"}
    ).without_measures({"2.6.3"})
    # prior awards of a switched-off measure are still valid input for the reform
    tables = random_registry(11)
    awards = tables["awards"]
    keep = pa.array([m != "2.6.3" for m in awards.column("measure").to_pylist()])
    tables["awards"] = awards.filter(keep)
    others = tables["other_awards"]
    tables["other_awards"] = others.filter(
        pa.array([m != "2.6.3" for m in others.column("measure").to_pylist()])
    )
    assert assert_same(reform, tables) > 10


def test_bulk_equals_single_on_synthetic_population() -> None:
    tables = make_part(PopulationSpec(firms=150, seed=7, chunk=150, years=(2023, 2024)), 0)
    assert_same(POLICY, tables)


def test_bad_rows_exclude_their_case_and_are_reported() -> None:
    tables = random_registry(3, firms=6)
    ents = tables["enterprises"].to_pylist()
    ents[0]["credit_code"] = "91420100MA4K5Q8U10"  # wrong check character
    bad_code = ents[1]["credit_code"]
    tables["enterprises"] = pa.Table.from_pylist(ents, schema=tables["enterprises"].schema)
    annual = tables["annual"].to_pylist()
    annual.append({"credit_code": bad_code, "year": 2019, "revenue": Decimal("-1.00")})
    tables["annual"] = pa.Table.from_pylist(annual, schema=tables["annual"].schema)
    part = load_part(POLICY, tables)
    bad = {(p.table, p.field, p.rule) for p in part.problems}
    assert ("enterprises", "credit_code", "credit_code") in bad
    assert ("annual", "revenue", "non_negative") in bad
    codes = part.codes.to_pylist()
    assert part.bad[0]
    assert all(part.bad[i] for i, c in enumerate(codes) if c == bad_code)
    assert part.bad.sum() < part.n
    messages = [p.message for p in part.problems]
    assert any("校验位" in m for m in messages) and any("负数" in m for m in messages)


def test_missing_as_of_is_named() -> None:
    tables = random_registry(4, firms=3)
    tables["enterprises"] = tables["enterprises"].drop_columns(["as_of"])
    part = load_part(POLICY, tables)
    assert part.bad.all()
    assert {p.field for p in part.problems} == {"as_of"}
    part = load_part(POLICY, tables, as_of=dt.date(2024, 6, 30), fiscal_year=2023)
    assert not part.bad.any()


def test_screen_directory_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from huiqi.cli.main import main

    tables = random_registry(5, firms=12)
    reg = tmp_path / "reg"
    for name, t in tables.items():
        (reg / name).mkdir(parents=True)
        pq.write_table(t, reg / name / "part-00000.parquet")
    out = tmp_path / "awards.parquet"
    res = CliRunner().invoke(main, ["screen", str(reg), "-o", str(out), "--no-progress"])
    assert res.exit_code == 0, res.output
    got = pq.read_table(out)
    assert got.schema.field("amount").type == pa.decimal128(18, 2)
    bulk, _ = bulk_results(POLICY, tables)
    expected = sum(v[1] for rows in bulk.values() for v in rows.values())
    assert sum(int(a * 100) for a in got.column("amount").to_pylist()) == expected
    assert set(got.column("status").to_pylist()) <= {"eligible", "discretionary", "excluded"}
    assert "筛查完成" in res.output
