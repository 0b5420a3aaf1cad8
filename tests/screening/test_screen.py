"""Bulk screening: exact awards, bad rows reported by number, same answers as `evaluate`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from huiqi.policies import load_policy
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.credit_code import make_credit_code
from huiqi.screening.screen import screen_file, screen_table

AS_OF = dt.date(2024, 6, 30)
FY = 2023


def code(i: int) -> str:
    return make_credit_code(f"914201{i:011d}")


def registry(rows: list[tuple[bool, str | None, str | None, str | None, int | None]]) -> pa.Table:
    """(software, revenue, previous, rd, dcmm) -> the screen input schema, decimals exact."""
    dec = pa.decimal128(18, 2)
    return pa.table(
        {
            "credit_code": [code(i) for i in range(len(rows))],
            "software_enterprise": [r[0] for r in rows],
            "revenue": pa.array([None if r[1] is None else Decimal(r[1]) for r in rows], dec),
            "revenue_previous_year": pa.array(
                [None if r[2] is None else Decimal(r[2]) for r in rows], dec
            ),
            "rd_expense": pa.array([None if r[3] is None else Decimal(r[3]) for r in rows], dec),
            "dcmm_level": pa.array([r[4] for r in rows], pa.int8()),
        }
    )


EDGE_ROWS = [
    (True, "5000000.00", "3846153.84", "750000.00", 3),  # on both thresholds
    (True, "4999999.99", "1000000.00", "750000.00", None),
    (True, "10000000.00", None, "1499999.99", 4),  # new firm: no growth award
    (True, "10000000.00", "7692307.69", "1500000.05", 5),
    (True, "50000000.00", "10000000.00", "10000000.10", 2),  # caps
    (False, "90000000.00", "10000000.00", "30000000.00", 5),  # not a software firm
    (True, "6500000.00", "5000000.00", "0.00", None),
]


def run_screen(src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """The installed `huiqi screen`, as a user runs it."""
    exe = str(Path(sys.executable).parent / "huiqi")
    args = [
        exe,
        "screen",
        str(src),
        "-o",
        str(out),
        "--fiscal-year",
        "2023",
        "--as-of",
        "2024-06-30",
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def single_path(
    row: tuple[bool, str | None, str | None, str | None, int | None], credit_code: str
) -> dict[str, str]:
    software, revenue, previous, rd, dcmm = row
    annual: dict[str, dict[str, str]] = {str(FY): {}}
    if revenue is not None:
        annual[str(FY)]["revenue"] = revenue
    if rd is not None:
        annual[str(FY)]["rd_expense"] = rd
    if previous is not None:
        annual[str(FY - 1)] = {"revenue": previous}
    case = {
        "as_of": AS_OF.isoformat(),
        "fiscal_year": FY,
        # no district: the credit code's registration division (4201xx) puts it in Wuhan
        "enterprise": {"software_enterprise": software, "credit_code": credit_code},
        "annual": annual,
        "recognitions": [{"kind": "dcmm", "level": dcmm, "date": "2022-06-01"}] if dcmm else [],
    }
    res = evaluate_case_json(load_policy(), case)
    return {r["measure"]: r["amount"] for r in res["results"] if r["measure"].startswith("2.6.")}


def test_bulk_equals_single_path_on_threshold_rows() -> None:
    out, report = screen_table(load_policy(), registry(EDGE_ROWS), FY, AS_OF)
    assert report.bad_rows == 0
    assert out.schema.field("award_total").type == pa.decimal128(18, 2)
    for i, row in enumerate(EDGE_ROWS):
        want = single_path(row, code(i))
        got = {m: str(out.column(f"award_{m.replace('.', '_')}")[i].as_py()) for m in want}
        assert got == want, (i, row)
        total = sum(Decimal(v) for v in want.values())
        assert out.column("award_total")[i].as_py() == total


def test_known_figures() -> None:
    out, report = screen_table(load_policy(), registry(EDGE_ROWS), FY, AS_OF)
    rows = out.to_pylist()
    assert rows[0]["award_2_6_1"] == Decimal("75000.00")
    assert rows[0]["award_2_6_2"] == Decimal("11538.46")
    assert rows[0]["award_2_6_3"] == Decimal("200000.00")
    assert rows[3]["award_2_6_1"] == Decimal("150000.01")  # half-up at the half fen
    assert rows[4]["award_2_6_1"] == Decimal("1000000.00")  # capped
    assert rows[5]["award_total"] == Decimal("0.00")
    assert report.eligible["2.6.3"] == 3


def test_bad_rows_are_reported_by_row_number_and_left_out(tmp_path: Path) -> None:
    csv_path = tmp_path / "registry.csv"
    csv_path.write_text(
        "credit_code,software_enterprise,revenue,revenue_previous_year,rd_expense,dcmm_level\n"
        f"{code(1)},true,8000000,5000000,1300000,3\n"
        f"{code(2)},true,-5,5000000,1300000,\n"
        f"{code(3)},true,abc,5000000,1300000,\n"
        f"{code(4)[:17]}X,true,8000000,5000000,1300000,\n"
        f"{code(5)},true,800万元,500万,130万,\n"
        f"{code(6)},maybe,8000000,5000000,1300000,\n"
        f"{code(7)},true,8000000,,1300000,9\n"
        f"{code(8)},true,1.234,,1,\n",
        encoding="utf-8",
    )
    out_path = tmp_path / "awards.parquet"
    report = screen_file(load_policy(), csv_path, out_path, FY, AS_OF, progress=False)
    assert report.rows_in == 8 and report.rows_out == 2 and report.bad_rows == 6
    assert [(r, f, rule) for r, f, rule, _ in report.errors] == [
        (2, "revenue", "non_negative"),
        (3, "revenue", "number"),
        (4, "credit_code", "credit_code"),
        (6, "software_enterprise", "bool"),
        (7, "dcmm_level", "level"),
        (8, "revenue", "precision"),
    ]
    table = pq.read_table(out_path)
    assert table.column("credit_code").to_pylist() == [code(1), code(5)]
    assert table.column("award_total").to_pylist() == [Decimal("360000.00"), Decimal("160000.00")]
    errors_csv = (tmp_path / "awards.parquet.errors.csv").read_text(encoding="utf-8-sig")
    assert errors_csv.splitlines()[1].startswith("2,revenue,non_negative,")


def test_parquet_with_float_and_int_columns(tmp_path: Path) -> None:
    t = pa.table(
        {
            "credit_code": [code(1), code(2)],
            "software_enterprise": [1, 0],
            "revenue": pa.array([8000000.0, 1.0]),
            "revenue_previous_year": pa.array([5000000, None]),
            "rd_expense": pa.array([1300000.0, 0.001]),
            "dcmm_level": pa.array([None, None], pa.int64()),
        }
    )
    src = tmp_path / "in.parquet"
    pq.write_table(t, src)
    report = screen_file(load_policy(), src, tmp_path / "out.parquet", FY, AS_OF, progress=False)
    assert report.bad_rows == 1 and report.errors[0][:3] == (2, "rd_expense", "precision")
    assert pq.read_table(tmp_path / "out.parquet").column("award_2_6_1").to_pylist() == [
        Decimal("130000.00")
    ]


def test_missing_columns_is_an_input_error(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    pacsv.write_csv(pa.table({"credit_code": [code(1)]}), src)
    out = run_screen(src, tmp_path / "o.parquet")
    assert out.returncode == 2 and "输入缺少列" in out.stderr
    assert not (tmp_path / "o.parquet").exists()


@pytest.mark.parametrize("batch_rows", [1, 3, 1000])
def test_batching_does_not_change_results(tmp_path: Path, batch_rows: int) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(registry(EDGE_ROWS), src)
    out = tmp_path / f"out{batch_rows}.parquet"
    report = screen_file(load_policy(), src, out, FY, AS_OF, batch_rows=batch_rows, progress=False)
    whole, _ = screen_table(load_policy(), registry(EDGE_ROWS), FY, AS_OF)
    assert pq.read_table(out).equals(whole)
    assert report.rows_out == len(EDGE_ROWS)


def test_cli_screen_end_to_end(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(registry(EDGE_ROWS), src)
    out = run_screen(src, tmp_path / "o.parquet")
    assert out.returncode == 0, out.stderr
    assert "筛查完成：7 行" in out.stderr
    assert pq.read_table(tmp_path / "o.parquet").num_rows == 7


def test_district_column_decides_scope_and_equals_the_single_path(tmp_path: Path) -> None:
    rows = [(True, "10000000", None, "2000000", None)] * 4
    table = registry(rows).append_column(
        "district", pa.array(["洪山区", "北京市海淀区", None, "东湖高新区"])
    )
    src = tmp_path / "with_district.csv"
    pacsv.write_csv(table, src)
    out_path = tmp_path / "out.parquet"
    screen_file(load_policy(), src, out_path, FY, AS_OF, progress=False)
    got = [str(v) for v in pq.read_table(out_path).column("award_2_6_1").to_pylist()]
    assert got == ["200000.00", "0.00", "200000.00", "200000.00"]  # None: the code (4201xx)
    for i, district in enumerate(["洪山区", "北京市海淀区", None, "东湖高新区"]):
        case = {
            "as_of": AS_OF.isoformat(),
            "fiscal_year": FY,
            "enterprise": {
                "software_enterprise": True,
                "credit_code": code(i),
                "district": district,
            },
            "annual": {str(FY): {"revenue": "10000000", "rd_expense": "2000000"}},
        }
        single = evaluate_case_json(load_policy(), case, ["2.6.1"])["results"][0]["amount"]
        assert single == got[i]
