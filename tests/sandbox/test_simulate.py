"""Baseline vs reform: the aggregates are exactly the engine's results, Dask equals the
single process to the fen, and the report (tables, Excel, charts, CLI) shows them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from huiqi.policies import load_policy
from huiqi.rules.evaluator import ELIGIBLE
from huiqi.sandbox.population import PopulationSpec, make_part, write_population
from huiqi.sandbox.reform import Reform
from huiqi.sandbox.report import build_tables, load_pools, write_charts, write_excel
from huiqi.sandbox.simulate import TOP, Run, simulate_directory, simulate_part
from huiqi.screening.registry import evaluate_part, load_part

POLICY = load_policy()
REFORM = Reform(
    "研发补助提标",
    parameters={"m2_6_1.cap": 2_000_000, "m2_6_1.rd_ratio": "0.10", "window.end": "2026-05-31"},
    disable=("2.6.3",),
)
SPEC = PopulationSpec(firms=3_000, seed=21, chunk=1_000, years=(2023, 2024))


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pop")
    write_population(SPEC, out)
    return out


def test_aggregates_are_the_engine_results() -> None:
    part = load_part(POLICY, make_part(PopulationSpec(firms=4_000, seed=5, chunk=4_000), 0))
    reformed = REFORM.apply(POLICY)
    s = simulate_part(POLICY, reformed, part)
    for which, policy in ((0, POLICY), (1, reformed)):
        per_firm = np.zeros(part.n, dtype=np.int64)
        by_measure = {}
        for r in evaluate_part(policy, part):
            by_measure[r.measure] = (int(r.amount.sum()), int((r.status == ELIGIBLE).sum()))
            np.add.at(per_firm, r.case, r.amount)
        got = s.total(which, lambda k: k[0])
        firms = s.total(2 + which, lambda k: k[0])
        for mid, (fen, n) in by_measure.items():
            assert got.get(mid, 0) == fen and firms.get(mid, 0) == n, mid
        if which == 0:
            base = per_firm
    delta = per_firm - base
    stats = [sum(v[i] for v in s.firms.values()) for i in range(5)]
    assert stats[:3] == [part.n, int((delta > 0).sum()), int((delta < 0).sum())]
    assert stats[1] > 0 and stats[2] > 0  # the reform makes winners and losers
    order = sorted(range(part.n), key=lambda i: (-delta[i], part.codes[i].as_py()))
    expect = [int(delta[i]) for i in order[:TOP] if delta[i] > 0]
    assert [w[0] for w in s.winners] == expect
    assert all(w[5] - w[4] == w[0] for w in s.winners)


def test_no_change_reform_changes_nothing() -> None:
    part = load_part(POLICY, make_part(PopulationSpec(firms=2_000, seed=6, chunk=2_000), 0))
    s = simulate_part(POLICY, Reform("同基线").apply(POLICY), part)
    assert all(v[0] == v[1] and v[2] == v[3] for v in s.cube.values())
    assert not s.winners and not s.losers


def test_dask_local_cluster_equals_single_process(population: Path) -> None:
    from huiqi.sandbox.distributed import simulate_dask

    run = Run(POLICY.id, REFORM)
    single = simulate_directory(run, population)
    dask = simulate_dask(run, population, cluster="local", workers=2)
    assert single.cases == 2 * SPEC.firms
    assert dask == single  # every sum, count and top firm, to the fen


def test_report_tables_excel_and_charts(population: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    summary = simulate_directory(Run(POLICY.id, REFORM), population)
    tables = build_tables(summary, POLICY, REFORM, load_pools())
    years = [row[0] for row in tables.years]
    assert years == [2023, 2024]  # cost per fiscal year of the population
    row_261 = next(r for r in tables.measures if r[0] == "2.6.1")
    assert row_261[3] > row_261[2]  # the reform raises 2.6.1
    assert sum(r[1] for r in tables.districts) == sum(r[2] for r in tables.measures)
    write_excel(tables, tmp_path / "s.xlsx")
    wb = load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames[:3] == ["概要", "改革内容", "按措施"]
    ws = wb["按措施"]
    assert ws.cell(1, 3).value == "基线（元）"
    cell = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "2.6.1")[3]
    assert Decimal(str(cell.value)) == Decimal(row_261[3]) / 100
    assert "元" in cell.number_format
    files = write_charts(tables, tmp_path, REFORM.name)
    assert {f.name for f in files} >= {"cost_by_measure.png", "charts.html"}
    assert all(f.stat().st_size > 1000 for f in files)
    assert "<svg" in (tmp_path / "charts.html").read_text(encoding="utf-8")


def test_simulate_cli(population: Path, tmp_path: Path) -> None:
    from huiqi.cli.sandbox_cmd import simulate

    reform = tmp_path / "r.yaml"
    reform.write_text(
        "name: 研发补助提标\nparameters: {m2_6_1.cap: 2000000}\ndisable: [2.6.3]\n", "utf-8"
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(
        simulate,
        ["--population", str(population), "--reform", str(reform), "-o", str(out),
         "--cluster", "none"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "按措施" in res.output and "预算压力" in res.output and "受益最多" in res.output
    assert (out / "sandbox.xlsx").exists() and (out / "charts.html").exists()
    reform.write_text("name: x\ndisable: [2.6.9]\n", "utf-8")
    bad = CliRunner().invoke(
        simulate, ["--population", str(population), "--reform", str(reform), "--cluster", "none"]
    )
    assert bad.exit_code == 2 and "disable[0]" in bad.output


def test_charts_without_a_cjk_font(
    population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huiqi.sandbox import report

    monkeypatch.setattr(report, "cjk_font", lambda: None)  # a machine without CJK fonts
    tables = build_tables(simulate_directory(Run(POLICY.id, REFORM), population), POLICY, REFORM,
                          load_pools())  # fmt: skip
    files = write_charts(tables, tmp_path, REFORM.name)
    assert len([f for f in files if f.suffix == ".png"]) == 3
    html = (tmp_path / "charts.html").read_text(encoding="utf-8")
    assert "各措施资金需求" in html  # the HTML keeps Chinese text for the browser to render


def test_reform_reuses_only_what_it_leaves_unchanged() -> None:
    """Reused results are exactly what a fresh evaluation under the reform gives."""
    from huiqi.screening.registry import RowsCache

    part = load_part(POLICY, make_part(PopulationSpec(firms=3_000, seed=8, chunk=3_000), 0))
    cache = RowsCache(part)
    base = evaluate_part(POLICY, part, cache)
    for reform in (REFORM, Reform("r", parameters={"m2_6_2.growth": "0.20"}),
                   Reform("w", parameters={"window.end": "2026-05-31"})):  # fmt: skip
        policy = reform.apply(POLICY)
        reused = evaluate_part(policy, part, cache, reuse=base)
        fresh = evaluate_part(policy, part)
        assert [r.measure for r in reused] == [r.measure for r in fresh]
        for a, b in zip(reused, fresh, strict=True):
            assert np.array_equal(a.amount, b.amount) and np.array_equal(a.status, b.status)
        same = {r.measure for r in reused if any(r is b for b in base)}
        changed = set(policy.measures) - same
        if reform.name == "r":
            assert changed == {"2.6.2"}  # only the measure whose parameter moved
        if reform.name == "w":  # the window moves every measure that reads it
            assert {"2.6.1", "2.6.3", "3.1.1"} <= changed
