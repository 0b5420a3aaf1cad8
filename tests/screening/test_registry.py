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

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from huiqi.policies import load_policy
from huiqi.rules.evaluator import STATUS_NAMES
from huiqi.sandbox.population import PopulationSpec, credit_codes, make_part
from huiqi.screening.registry import evaluate_part, load_part

from .registry_cases import cases_from_tables, single_results

POLICY = load_policy()
DAY0 = dt.date(2022, 6, 1)


def _money(rng: np.random.Generator, lo: int, hi: int, null: float = 0.1) -> Decimal | None:
    if rng.random() < null:
        return None
    fen = int(rng.integers(lo * 100, hi * 100 + 1))
    # some amounts land exactly on round numbers (thresholds are round)
    if rng.random() < 0.3:
        fen -= fen % 100_000_00
    return Decimal(fen) / 100


def _date(rng: np.random.Generator, null: float = 0.1) -> dt.date | None:
    if rng.random() < null:
        return None
    edges = [dt.date(2022, 6, 1), dt.date(2025, 5, 31), dt.date(2022, 5, 31), dt.date(2025, 6, 1)]
    if rng.random() < 0.2:
        return edges[int(rng.integers(0, 4))]
    return DAY0 + dt.timedelta(days=int(rng.integers(-400, 1500)))


def random_registry(seed: int, firms: int = 40) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    # registered in Wuhan (420111), provincially (420000: unknown without a district) or in
    # 北京市海淀区 (110108): the scope condition reads the code where no district is given
    divisions = rng.choice([420111, 420111, 420000, 110108], size=firms)
    codes = credit_codes(np.arange(firms, dtype=np.int64) + seed * 1000, divisions)
    codes_py = codes.to_pylist()
    ents, annual, recs, projects, awards, others = [], [], [], [], [], []
    measures = list(POLICY.measures)
    for code in codes_py:
        years = [2023] if rng.random() < 0.7 else [2023, 2024]
        for fy in years:
            as_of = rng.choice(["2024-06-30", "2025-05-31", "2025-06-01", "2023-01-15"])
            ents.append({
                "credit_code": code,
                "district": [None, "洪山区", "江岸区", "东湖高新区", "北京市海淀区", ""][
                    int(rng.integers(0, 6))
                ],
                "size": str(rng.choice(["micro", "small", "medium", "large"])),
                "software_enterprise": None if rng.random() < 0.05 else bool(rng.random() < 0.8),
                "serious_discredit": bool(rng.random() < 0.05),
                "last_penalty_date": _date(rng, 0.9),
                "last_major_penalty_date": _date(rng, 0.9),
                "as_of": dt.date.fromisoformat(str(as_of)),
                # fiscal_year left out = year(as_of) - 1, as the case parser reads it
                "fiscal_year": fy if len(years) > 1 or rng.random() < 0.8 else None,
            })  # fmt: skip
        for year in range(2021, 2026):
            if rng.random() < 0.8:
                revenue = _money(rng, 1_000_000, 80_000_000)
                annual.append({"credit_code": code, "year": year, "revenue": revenue,
                               "rd_expense": _money(rng, 0, 15_000_000)})  # fmt: skip
        project_ids = [f"P{i}" for i in range(int(rng.integers(0, 4)))]

        def some_project(share: float, ids: list[str] = project_ids) -> str | None:
            return str(rng.choice(ids)) if ids and rng.random() < share else None

        for pid in project_ids:
            kind = str(rng.choice(list(POLICY.project_kinds)))
            row = {"credit_code": code, "id": pid, "kind": kind}
            for name, ftype in POLICY.project_kinds[kind].fields.items():
                if ftype == "money":
                    row[name] = _money(rng, 0, 60_000_000)
                elif ftype == "date":
                    row[name] = _date(rng)
                elif ftype == "flag":
                    row[name] = bool(rng.random() < 0.7)
                else:
                    row[name] = str(rng.choice(["municipal", "provincial", "national", "district",
                                                "special_fund", "financing"]))  # fmt: skip
            projects.append(row)
        for _ in range(int(rng.integers(0, 6))):
            kind = str(rng.choice(list(POLICY.recognition_kinds)))
            levels = POLICY.recognition_kinds[kind].levels
            recs.append({
                "credit_code": code, "kind": kind,
                "level": str(rng.choice(levels)) if levels else None,
                "project": some_project(0.5),
                "date": _date(rng, 0.05),
            })  # fmt: skip
        for _ in range(int(rng.integers(0, 4))):
            awards.append({
                "credit_code": code, "measure": str(rng.choice(measures)),
                "project": some_project(0.6),
                "fiscal_year": int(rng.choice([2023, 2024])) if rng.random() < 0.7 else None,
                "amount": _money(rng, 0, 3_000_000, 0),
            })  # fmt: skip
        for _ in range(int(rng.integers(0, 4))):
            others.append({
                "credit_code": code, "policy": str(rng.choice(["区级政策甲", "区级政策乙"])),
                "measure": str(rng.choice(measures)),
                "project": some_project(0.6),
                "amount": Decimal(int(rng.choice([100_000, 500_000, 1_000_000, 2_000_000]))),
                "status": [None, "paid", "pending"][int(rng.integers(0, 3))],
            })  # fmt: skip
    money = pa.decimal128(18, 2)

    def table(rows: list[dict], types: dict[str, pa.DataType]) -> pa.Table:
        names = sorted({k for r in rows for k in r})
        schema = pa.schema([(k, types.get(k, pa.string())) for k in names])
        return pa.Table.from_pylist(rows, schema=schema)

    types = {k: money for k, t in _field_types().items() if t == "money"}
    types.update({k: pa.date32() for k, t in _field_types().items() if t == "date"})
    types.update({k: pa.bool_() for k, t in _field_types().items() if t == "flag"})
    types.update(year=pa.int32(), fiscal_year=pa.int32(), amount=money, revenue=money,
                 rd_expense=money, date=pa.date32(), as_of=pa.date32(),
                 last_penalty_date=pa.date32(), last_major_penalty_date=pa.date32(),
                 software_enterprise=pa.bool_(),
                 serious_discredit=pa.bool_())  # fmt: skip
    return {
        "enterprises": table(ents, types), "annual": table(annual, types),
        "recognitions": table(recs, types), "projects": table(projects, types),
        "awards": table(awards, types), "other_awards": table(others, types),
    }  # fmt: skip


def _field_types() -> dict[str, str]:
    out: dict[str, str] = {}
    for fk in POLICY.project_kinds.values():
        out.update(fk.fields)
    return out


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
