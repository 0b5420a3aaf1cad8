"""`huiqi screen DIR -o OUT`: full-policy screening of a registry directory, part by part.

DIR holds the six tables (see tables.py), either as `DIR/<table>.parquet` (one part) or as
co-partitioned folders `DIR/<table>/part-NNNNN.parquet` (what `huiqi population` writes):
part files with the same name hold the same enterprises. Memory is one part at a time.

Output: one row per (enterprise, fiscal year, measure, project) that is not ineligible —
status eligible / discretionary / excluded, amount decimal(18,2). Bad cases are left out and
every problem is written to the error report with table, file, row and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from huiqi.cells import csv_row
from huiqi.rules.errors import InputError
from huiqi.rules.evaluator import DISCRETIONARY, ELIGIBLE, EXCLUDED, INELIGIBLE, STATUS_NAMES
from huiqi.rules.policy import Policy

from .columns import fen_to_decimal_array
from .registry import MeasureResult, evaluate_part, load_part
from .screen import _progress
from .tables import TABLES, Problem, RegistryPart, check_required

OUTPUT_SCHEMA = pa.schema(
    [
        ("credit_code", pa.string()),
        ("fiscal_year", pa.int32()),
        ("district", pa.string()),
        ("measure", pa.string()),
        ("project", pa.string()),
        ("status", pa.string()),
        ("amount", pa.decimal128(18, 2)),
    ]
)


@dataclass
class RegistryReport:
    cases: int = 0
    bad_cases: int = 0
    problems: list[Problem] = field(default_factory=list)
    totals_fen: dict[str, int] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # measure -> status -> n
    seconds: float = 0.0

    @property
    def total_fen(self) -> int:
        return sum(self.totals_fen.values())


def discover_parts(directory: Path) -> list[dict[str, Path | None]]:
    """Each part: table -> file (None when the registry has no such table)."""
    if not directory.is_dir():
        raise InputError.single(str(directory), "file", f"输入目录不存在：{directory}")
    if (directory / "enterprises").is_dir():
        names = sorted(p.name for p in (directory / "enterprises").glob("*.parquet"))
        if not names:
            raise InputError.single(
                str(directory / "enterprises"), "file", "enterprises 目录中没有 .parquet 文件"
            )
        return [
            {t: (directory / t / name if (directory / t / name).exists() else None) for t in TABLES}
            for name in names
        ]
    if (directory / "enterprises.parquet").exists():
        return [
            {t: (directory / f"{t}.parquet" if (directory / f"{t}.parquet").exists() else None)
             for t in TABLES}
        ]  # fmt: skip
    raise InputError.single(
        str(directory),
        "tables",
        "目录中缺少 enterprises 表（enterprises.parquet 或 enterprises/part-*.parquet）",
    )


def read_part(files: dict[str, Path | None]) -> dict[str, pa.Table | None]:
    tables: dict[str, pa.Table | None] = {}
    for name, path in files.items():
        if path is None:
            tables[name] = None
            continue
        table = pq.read_table(path)
        missing = check_required(name, table.column_names, str(path))
        if missing:
            raise InputError.single(str(path), "columns", missing[0].message)
        tables[name] = table
    return tables


def iter_results(
    policy: Policy,
    parts: list[dict[str, Path | None]],
    as_of: dt.date | None,
    fiscal_year: int | None,
) -> Iterator[tuple[RegistryPart, list[MeasureResult]]]:
    for files in parts:
        tables = read_part(files)
        sources = {k: str(v) for k, v in files.items() if v is not None}
        part = load_part(policy, tables, as_of=as_of, fiscal_year=fiscal_year, sources=sources)
        yield part, evaluate_part(policy, part)


def output_batch(part: RegistryPart, results: list[MeasureResult]) -> pa.RecordBatch:
    cols: dict[str, list[pa.Array]] = {f.name: [] for f in OUTPUT_SCHEMA}
    for r in results:
        keep = np.flatnonzero(r.status != INELIGIBLE)
        case = r.case[keep]
        take = pa.array(case)
        cols["credit_code"].append(part.codes.take(take))
        cols["fiscal_year"].append(pa.array(part.fiscal_year[case].astype(np.int32)))
        cols["district"].append(pa.array(part.district[case], pa.string()))
        cols["measure"].append(pa.array(np.full(len(keep), r.measure, dtype=object), pa.string()))
        cols["project"].append(pa.array(r.project[keep], pa.string()))
        names = np.array(STATUS_NAMES, dtype=object)[r.status[keep]]
        cols["status"].append(pa.array(names, pa.string()))
        cols["amount"].append(fen_to_decimal_array(r.amount[keep]))
    arrays = [
        pa.concat_arrays(cols[f.name]) if cols[f.name] else pa.array([], f.type)
        for f in OUTPUT_SCHEMA
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=OUTPUT_SCHEMA)


def account(report: RegistryReport, part: RegistryPart, results: list[MeasureResult]) -> None:
    report.cases += part.n
    report.bad_cases += int(part.bad.sum())
    report.problems.extend(part.problems)
    for r in results:
        report.totals_fen[r.measure] = report.totals_fen.get(r.measure, 0) + int(r.amount.sum())
        counts = report.counts.setdefault(r.measure, {})
        for code in (ELIGIBLE, DISCRETIONARY, EXCLUDED):
            name = STATUS_NAMES[code]
            counts[name] = counts.get(name, 0) + int(np.count_nonzero(r.status == code))


def screen_directory(
    policy: Policy,
    directory: Path,
    output_path: Path,
    *,
    as_of: dt.date | None = None,
    fiscal_year: int | None = None,
    errors_path: Path | None = None,
    progress: bool | None = None,
) -> RegistryReport:
    started = time.perf_counter()
    parts = discover_parts(directory)
    total = sum(
        pq.ParquetFile(p["enterprises"]).metadata.num_rows
        for p in parts
        if p["enterprises"] is not None
    )
    report = RegistryReport()
    show = sys.stderr.isatty() if progress is None else progress
    tmp = output_path.with_name(output_path.name + ".partial")
    with pq.ParquetWriter(tmp, OUTPUT_SCHEMA) as writer, _progress(show, total) as advance:
        for part, results in iter_results(policy, parts, as_of, fiscal_year):
            writer.write_batch(output_batch(part, results))
            account(report, part, results)
            advance(part.n)
    tmp.replace(output_path)
    if report.problems:
        write_errors(report.problems, errors_path or default_errors_path(output_path))
    report.seconds = time.perf_counter() - started
    return report


def default_errors_path(output_path: Path) -> Path:
    return output_path.with_name(output_path.name + ".errors.csv")


def write_errors(problems: list[Problem], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["table", "file", "row", "field", "rule", "message"])
        w.writerows(
            csv_row((p.table, p.source, p.row, p.field, p.rule, p.message)) for p in problems
        )
