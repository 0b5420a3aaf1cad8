"""The synthetic Wuhan registry: seeded, valid, chunked, with rows exactly on thresholds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from click.testing import CliRunner

from huiqi.rules.credit_code import credit_code_problem
from huiqi.rules.frame import add_years, date_to_days
from huiqi.sandbox.population import DISTRICTS, PopulationSpec, make_part, write_population

SPEC = PopulationSpec(firms=20_000, seed=9, chunk=20_000)


def _fen(col: pa.ChunkedArray) -> np.ndarray:
    return np.array([int(v * 100) if v is not None else -1 for v in col.to_pylist()])


def test_seeded_and_extends_part_by_part() -> None:
    a = make_part(SPEC, 0)
    b = make_part(SPEC, 0)
    assert all(a[t].equals(b[t]) for t in a)
    other = make_part(PopulationSpec(firms=20_000, seed=10, chunk=20_000), 0)
    assert not a["annual"].equals(other["annual"])
    bigger = PopulationSpec(firms=40_000, seed=9, chunk=20_000)
    assert make_part(bigger, 0)["enterprises"].equals(a["enterprises"])


def test_codes_valid_unique_and_in_wuhan() -> None:
    ent = make_part(SPEC, 0)["enterprises"]
    codes = ent.column("credit_code").to_pylist()
    assert len(set(codes)) == len(codes)
    assert all(credit_code_problem(c) is None for c in codes[:3000])
    assert {c[2:6] for c in codes} == {"4201"}
    assert set(ent.column("district").to_pylist()) <= {d[0] for d in DISTRICTS}
    software = pc.sum(ent.column("software_enterprise")).as_py() / ent.num_rows
    assert 0.03 < software < 0.12  # a few percent of all firms, as in a real city registry


def test_rows_exactly_on_thresholds() -> None:
    t = make_part(PopulationSpec(firms=60_000, seed=9, chunk=60_000), 0)
    ann = t["annual"].filter(pc.equal(t["annual"].column("year"), 2023))
    revenue, rd = _fen(ann.column("revenue")), _fen(ann.column("rd_expense"))
    assert (revenue == 5_000_000_00).any()
    known = (rd >= 0) & (revenue > 0)
    assert (known & (rd * 100 == revenue * 15)).any()  # R&D exactly 15 %
    assert (known & (rd * 100 == revenue * 15 - 100)).any()  # one fen under 15 %
    assert (known & (rd * 10 == revenue)).any()  # exactly 10 % (the reform's threshold)
    assert (rd == 10_000_000_00).any()  # 2.6.1 award exactly at the cap
    proj = t["projects"].filter(pc.equal(t["projects"].column("kind"), "smart_transformation"))
    assert (_fen(proj.column("equipment_investment")) == 5_000_000_00).any()
    start = np.array([date_to_days(d) for d in proj.column("construction_start").to_pylist()])
    end = np.array([date_to_days(d) for d in proj.column("construction_end").to_pylist()])
    assert (end == add_years(start, 2)).any()
    dates = set(t["recognitions"].column("date").to_pylist())
    assert {dt.date(2022, 6, 1), dt.date(2025, 5, 31)} <= dates


def test_written_in_co_partitioned_chunks(tmp_path: Path) -> None:
    spec = PopulationSpec(firms=2_500, seed=1, chunk=1_000, years=(2023, 2024))
    names = write_population(spec, tmp_path)
    assert names == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    for table in ("enterprises", "annual", "recognitions", "projects", "awards", "other_awards"):
        assert sorted(p.name for p in (tmp_path / table).iterdir()) == names
    ent = pq.read_table(tmp_path / "enterprises")
    assert ent.num_rows == 2 * 2_500  # one case per firm and fiscal year
    for name in names:  # every child row belongs to a firm of the same part
        firms = set(
            pq.read_table(tmp_path / "enterprises" / name).column("credit_code").to_pylist()
        )
        kids = pq.read_table(tmp_path / "annual" / name).column("credit_code").to_pylist()
        assert set(kids) <= firms


def test_population_cli(tmp_path: Path) -> None:
    from huiqi.cli.sandbox_cmd import population

    res = CliRunner().invoke(
        population, ["-n", "1500", "--seed", "3", "--chunk", "1000", "-o", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert "1,500" in res.output
    assert pq.read_table(tmp_path / "enterprises").num_rows == 1500
    bad = CliRunner().invoke(population, ["-n", "10", "--years", "二〇二三", "-o", str(tmp_path)])
    assert bad.exit_code == 2 and "--years" in bad.output
