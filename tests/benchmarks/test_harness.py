"""The bulk screening benchmark harness at ~2,000 rows: correctness only, never timings."""

from __future__ import annotations

import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))  # the benchmark scripts import each other as siblings

import exact_reference as er  # noqa: E402
import numpy_handwritten as nh  # noqa: E402
import population as popmod  # noqa: E402
from arrowfen import decimal_to_fen, fen_to_decimal  # noqa: E402

ROWS = 2_000
MONEY = pa.decimal128(18, 2)
GB32100 = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture(scope="module")
def pop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "population.parquet"
    # several row groups, so the chunked paths are exercised too
    return popmod.write_population(path, ROWS, seed=7, chunk_rows=700)


@pytest.fixture(scope="module")
def table(pop: Path) -> pa.Table:
    return pq.read_table(pop)


@pytest.fixture(scope="module")
def kinds(pop: Path) -> np.ndarray:
    return pq.read_table(popmod.kinds_path(pop))["kind"].to_numpy()


def gb32100_ok(code: str) -> bool:
    """Independent scalar check of the GB 32100 and embedded GB 11714 check characters."""
    if len(code) != 18 or any(c not in GB32100 for c in code):
        return False
    org = [int(c) if c.isdigit() else ord(c) - 55 for c in code[8:16]]
    c9 = 11 - sum(v * w for v, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if code[16] != {10: "X", 11: "0"}.get(c9, str(c9)):
        return False
    total = sum(GB32100.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return code[17] == GB32100[(31 - total % 31) % 31]


def test_population_schema_and_codes(table: pa.Table) -> None:
    assert table.num_rows == ROWS
    assert table.schema.field("revenue").type == MONEY
    assert table.schema.field("revenue_previous_year").type == MONEY
    assert table.schema.field("rd_expense").type == MONEY
    assert table.schema.field("dcmm_level").type == pa.int8()
    assert table.schema.field("software_enterprise").type == pa.bool_()
    codes = table["credit_code"].to_pylist()
    assert len(set(codes)) == ROWS
    assert all(gb32100_ok(c) for c in codes)
    assert table["revenue_previous_year"].null_count > 0  # new firms exist


def test_population_is_deterministic(tmp_path: Path, table: pa.Table) -> None:
    again = popmod.write_population(tmp_path / "p.parquet", ROWS, seed=7, chunk_rows=700)
    assert pq.read_table(again).equals(table)


def test_population_has_rows_exactly_on_the_thresholds(table: pa.Table, kinds: np.ndarray) -> None:
    assert set(np.unique(kinds)) == set(popmod.KINDS)  # every edge kind is present
    rev = table["revenue"].to_pylist()
    prev = table["revenue_previous_year"].to_pylist()
    rd = table["rd_expense"].to_pylist()
    cent = Decimal("0.01")
    for i in np.flatnonzero(kinds > 0):
        k = int(kinds[i])
        r, p, d = rev[i], prev[i], rd[i]
        expect = {
            1: r == Decimal("5000000.00"), 2: r == Decimal("4999999.99"),
            3: r == Decimal("5000000.01"), 4: d == r * Decimal("0.15"),
            5: d == r * Decimal("0.15") - cent, 6: d == r * Decimal("0.15") + cent,
            7: d > r * Decimal("0.15") > d - cent, 8: d < r * Decimal("0.15") < d + cent,
            9: r == p * Decimal("1.3"), 10: r == p * Decimal("1.3") - cent,
            11: r == p * Decimal("1.3") + cent, 12: (d * 1000) % 100 == 50,
            13: ((r - p) * 100) % 100 == 50, 14: d == Decimal("10000000.00"),
            15: d == Decimal("9999999.90"), 16: d == Decimal("10000000.10"),
            17: d == Decimal("9999999.95"), 18: d == Decimal("9999999.94"),
            19: r - p == Decimal("100000000.00"), 20: r - p == Decimal("99999999.00"),
            21: r - p == Decimal("100000001.00"),
        }[k]  # fmt: skip
        assert expect, (k, r, p, d)


def decimal_award(sw, rev, prev, rd, dcmm) -> tuple[Decimal, Decimal, Decimal]:
    """A second, independent reference in Decimal (the way a person would check by hand)."""

    def pct(x: Decimal, p: str) -> Decimal:
        return (x * Decimal(p)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    a1 = a2 = a3 = Decimal(0)
    if sw:
        big = rev is not None and rev >= 5_000_000
        if big and rd is not None and rd / rev >= Decimal("0.15"):
            a1 = min(pct(rd, "0.10"), Decimal(1_000_000))
        if big and prev is not None and prev > 0 and (rev - prev) / prev >= Decimal("0.30"):
            a2 = min(pct(rev - prev, "0.01"), Decimal(1_000_000))
        a3 = Decimal({3: 200_000, 4: 300_000, 5: 500_000}.get(dcmm, 0))
    return a1, a2, a3


def test_exact_reference_agrees_with_decimal_arithmetic(table: pa.Table) -> None:
    ref = er.reference_table(table)
    cols = [table[c].to_pylist() for c in
            ("software_enterprise", "revenue", "revenue_previous_year", "rd_expense",
             "dcmm_level")]  # fmt: skip
    for i, row in enumerate(zip(*cols, strict=True)):
        a1, a2, a3 = decimal_award(*row)
        got = [Decimal(int(ref[n][i])) / 100 for n in er.AWARDS]
        assert got == [a1, a2, a3, a1 + a2 + a3], (i, row)


@pytest.mark.parametrize(
    ("rd", "award"),
    [("9999999.95", "1000000.00"), ("9999999.94", "999999.99"), ("1234567.85", "123456.79"),
     ("10000000.10", "1000000.00")],
)  # fmt: skip
def test_reference_half_up_and_cap(rd: str, award: str) -> None:
    fen = int(Decimal(rd) * 100)
    a1, *_ = er.award_row(er.BASELINE, True, 6_000_000_00, None, fen, 0)
    assert a1 == int(Decimal(award) * 100)


def test_reference_thresholds_in_integers() -> None:
    rev = 5_000_000_00
    assert er.award_row(er.BASELINE, True, rev, None, 750_000_00, 0)[0] == 75_000_00
    assert er.award_row(er.BASELINE, True, rev, None, 750_000_00 - 1, 0)[0] == 0
    assert er.award_row(er.BASELINE, True, rev - 1, None, 750_000_00, 0)[0] == 0
    prev = 10_000_000_00
    assert er.award_row(er.BASELINE, True, 13_000_000_00, prev, 0, 0)[1] == 30_000_00
    assert er.award_row(er.BASELINE, True, 13_000_000_00 - 1, prev, 0, 0)[1] == 0
    assert er.award_row(er.BASELINE, True, 13_000_000_00, None, 0, 0)[1] == 0
    assert er.award_row(er.BASELINE, False, rev, None, 750_000_00, 5) == (0, 0, 0, 0)
    # the issue-5 reform: 10 % threshold, 2,000,000 cap
    assert er.award_row(er.REFORM, True, rev * 10, None, rev, 0)[0] == 500_000_00
    assert er.award_row(er.REFORM, True, rev * 10, None, rev * 5, 0)[0] == 200_000_000


def test_arrowfen_round_trip() -> None:
    fen = np.array([0, 1, -1, 12_345, 10**17, -(10**17) + 3], dtype=np.int64)
    mask = np.array([0, 0, 0, 1, 0, 0], dtype=bool)
    arr = fen_to_decimal(fen, mask)
    assert arr.type == MONEY
    assert arr.to_pylist()[1] == Decimal("0.01") and arr.to_pylist()[3] is None
    back, m = decimal_to_fen(arr.slice(1))
    assert m is not None and m.tolist() == mask[1:].tolist()
    assert back[~m].tolist() == fen[1:][~mask[1:]].tolist()


def test_numpy_handwritten_equals_reference_to_the_fen(pop: Path, tmp_path: Path) -> None:
    out = tmp_path / "numpy.parquet"
    nh.screen_file(pop, out)
    got = pq.read_table(out)
    ref = er.reference_file(pop)
    assert got["credit_code"].equals(pq.read_table(pop)["credit_code"])
    for name in er.AWARDS:
        assert got.schema.field(name).type == MONEY
        fen, nulls = decimal_to_fen(got[name])
        assert nulls is None
        assert np.array_equal(fen, ref[name]), name
    assert (ref["award_2_6_1"] > 0).any() and (ref["award_2_6_2"] > 0).any()


def test_openfisca_runs_in_float32_and_float64(pop: Path, tmp_path: Path) -> None:
    import openfisca_wuhan as of

    ref = er.reference_file(pop)
    wrong = {}
    for dtype in (np.float32, np.float64):
        tbs = of.build_tax_benefit_system(dtype)
        assert tbs.get_variable("award_2_6_1").dtype == dtype
        assert tbs.get_variable("revenue").dtype == dtype
        out = tmp_path / f"of-{dtype.__name__}.parquet"
        of.screen_file(pop, out, dtype)
        got = pq.read_table(out)
        assert got.num_rows == ROWS
        fen = {n: decimal_to_fen(got[n])[0] for n in er.AWARDS}
        # 2.6.3 is whole yuan, exact in any float
        assert np.array_equal(fen["award_2_6_3"], ref["award_2_6_3"])
        wrong[dtype] = int(sum((fen[n] != ref[n]) for n in er.AWARDS).astype(bool).sum())
    # float64 is never worse than float32 on this population (it is usually far better)
    assert wrong[np.float64] <= wrong[np.float32]


def test_openfisca_reform() -> None:
    import openfisca_wuhan as of

    inputs = {  # whole yuan, exactly representable: the reform, not rounding, decides
        "software_enterprise": np.array([True, True, True]),
        "revenue": np.array([50_000_000.0, 100_000_000.0, 50_000_000.0]),
        "revenue_previous_year": np.array([0.0, 0.0, 0.0]),
        "rd_expense": np.array([6_000_000.0, 30_000_000.0, 4_000_000.0]),
        "dcmm_level": np.array([0, 0, 0], dtype=np.int32),
    }
    for dtype in (np.float32, np.float64):
        base = of.simulate(of.build_tax_benefit_system(dtype), inputs)["award_2_6_1"]
        reform = of.simulate(of.build_reform(dtype), inputs)["award_2_6_1"]
        assert base.tolist() == [0.0, 1_000_000.0, 0.0]  # 12 %, capped, 8 %
        assert reform.tolist() == [600_000.0, 2_000_000.0, 0.0]


def test_bench_screen_runs_end_to_end(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, str(BENCH / "bench_screen.py"), "--sizes", str(ROWS),
         "--contenders", "numpy", "--data-dir", str(tmp_path),
         "--results", str(tmp_path / "r.md")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    numpy_row = next(line for line in report.splitlines() if "| numpy |" in line)
    cells = [c.strip() for c in numpy_row.split("|")]
    assert cells[9] == "0" and cells[11] == "0"  # rows wrong, eligibility flips
