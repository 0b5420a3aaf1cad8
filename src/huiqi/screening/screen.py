"""`huiqi screen FILE`: bulk screening of a flat registry file, streamed batch by batch.

Reads Parquet or CSV in batches (bounded memory); each batch becomes a registry part
(flat.py: the columns and measures come from the policy package's screen.yaml) and runs the
same registry path as `huiqi screen DIR`, hence the very formulas `huiqi evaluate` runs.
Writes decimal(18,2) awards per measure to Parquet. Bad rows are reported with their row
number and left out; they never abort the run.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from huiqi.cells import csv_row
from huiqi.rules.errors import InputError
from huiqi.rules.policy import Policy

from .columns import RowProblems, fen_to_decimal_array
from .flat import FlatLayout, flat_layout, flat_part
from .registry import evaluate_rows, measure_rows
from .tables import RegistryPart

if TYPE_CHECKING:
    from rich.progress import Progress

# Credit codes are unique: a dictionary page would only cost time. Award statistics are
# left out for the same reason (readers scan award columns whole).
WRITER_OPTIONS: dict[str, bool] = {"use_dictionary": False, "write_statistics": False}


def award_column(measure_id: str) -> str:
    return f"award_{measure_id.replace('.', '_')}"


def output_schema(layout: FlatLayout) -> pa.Schema:
    return pa.schema(
        [("credit_code", pa.string())]
        + [(award_column(m), pa.decimal128(18, 2)) for m in layout.measures]
        + [("award_total", pa.decimal128(18, 2))]
    )


@dataclass
class ScreenReport:
    rows_in: int = 0
    rows_out: int = 0
    bad_rows: int = 0
    errors: list[tuple[int, str, str, str]] = field(default_factory=list)  # 1-based row
    totals_fen: dict[str, int] = field(default_factory=dict)  # measure -> fen, layout order
    eligible: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_fen(self) -> int:
        return sum(self.totals_fen.values())

    @classmethod
    def of(cls, layout: FlatLayout) -> ScreenReport:
        return cls(
            totals_fen=dict.fromkeys(layout.measures, 0), eligible=dict.fromkeys(layout.measures, 0)
        )


Prepared = tuple[RegistryPart, RowProblems]


def screen_batch(
    policy: Policy,
    batch: pa.RecordBatch,
    fiscal_year: int,
    as_of: dt.date,
    prepared: Prepared | None = None,
) -> tuple[pa.RecordBatch, RowProblems, dict[str, np.ndarray]]:
    """One batch through the registry path: each measure of the layout evaluated over the
    batch's rows as `huiqi screen DIR` evaluates a registry part."""
    layout = flat_layout(policy)
    part, problems = prepared or flat_part(policy, layout, batch, fiscal_year, as_of)
    # the usual batch has no bad row: then nothing needs filtering (or copying)
    good = None if not problems.bad.any() else ~problems.bad
    awards: dict[str, np.ndarray] = {}
    total: np.ndarray | None = None
    for mid in layout.measures:
        spec = policy.measures.get(mid)
        if spec is None:  # a reform may switch a measure off: it then pays nothing
            amount = np.zeros(part.n, dtype=np.int64)
        else:
            result = evaluate_rows(policy, spec, measure_rows(policy, spec, part), part)
            if spec.source.type == "enterprise" and len(result.case) == part.n:
                # a firm-level measure over a batch with no bad row: one result per row, in
                # row order (measure_rows takes every row), so the awards are the column
                # itself; ufunc.at would cost ~30 ms per million rows
                amount = np.asarray(result.amount, dtype=np.int64)
            else:
                amount = np.zeros(part.n, dtype=np.int64)
                if len(result.case) < 2 or bool((np.diff(result.case) > 0).all()):
                    # at most one row per case (a flat file's recognitions): an assignment
                    amount[result.case] = result.amount
                else:
                    np.add.at(amount, result.case, result.amount)
        total = amount.copy() if total is None else total + amount
        awards[mid] = amount if good is None else amount[good]
    if total is None:
        total = np.zeros(part.n, dtype=np.int64)
    codes = batch.column("credit_code")
    if good is not None:
        codes = codes.filter(pa.array(good))
        total = total[good]
    arrays = [codes.cast(pa.string())] + [fen_to_decimal_array(a) for a in awards.values()]
    arrays.append(fen_to_decimal_array(total))
    return pa.RecordBatch.from_arrays(arrays, schema=output_schema(layout)), problems, awards


def screen_table(
    policy: Policy, table: pa.Table, fiscal_year: int, as_of: dt.date
) -> tuple[pa.Table, ScreenReport]:
    """In-memory screening (tests, API uploads); same path as files."""
    layout = flat_layout(policy)
    report = ScreenReport.of(layout)
    out = []
    for batch in table.to_batches(max_chunksize=1_000_000):
        out.append(_account(report, policy, batch, fiscal_year, as_of))
    result = pa.Table.from_batches(out, schema=output_schema(layout))
    return result, report


def _account(
    report: ScreenReport,
    policy: Policy,
    batch: pa.RecordBatch,
    fiscal_year: int,
    as_of: dt.date,
    prepared: Prepared | None = None,
) -> pa.RecordBatch:
    out, problems, awards = screen_batch(policy, batch, fiscal_year, as_of, prepared)
    offset = report.rows_in
    report.rows_in += batch.num_rows
    report.rows_out += out.num_rows
    report.bad_rows += int(problems.bad.sum())
    report.errors.extend(
        (offset + r + 1, f, rule, msg) for r, f, rule, msg in sorted(problems.found)
    )
    for mid, amount in awards.items():
        report.totals_fen[mid] += int(amount.sum())
        report.eligible[mid] += int(np.count_nonzero(amount))
    return out


def _check_columns(layout: FlatLayout, names: list[str], source: str) -> None:
    missing = [c for c in layout.required if c not in names]
    if missing:
        raise InputError.single(
            source,
            "columns",
            f"输入缺少列：{', '.join(missing)}（需要：{', '.join(layout.required)}）",
        )


def read_batches(
    layout: FlatLayout, path: Path, batch_rows: int
) -> tuple[Iterator[pa.RecordBatch], int | None]:
    """Batches of the input and the row count when known up front (Parquet)."""
    if not path.exists():
        raise InputError.single(str(path), "file", f"输入文件不存在：{path}")
    if path.suffix.lower() in (".parquet", ".pq"):
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        _check_columns(layout, names, str(path))
        columns = [*layout.required, *(c for c in layout.optional if c in names)]
        return pf.iter_batches(batch_size=batch_rows, columns=columns), pf.metadata.num_rows
    if path.suffix.lower() == ".csv":
        with path.open("r", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
        _check_columns(layout, header, str(path))
        # every column read as text so amounts are parsed exactly, never through float
        opts = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header},
            include_columns=[*layout.required, *(c for c in layout.optional if c in header)],
            strings_can_be_null=True,
        )
        reader = pacsv.open_csv(
            path, convert_options=opts, read_options=pacsv.ReadOptions(block_size=64 << 20)
        )
        return iter(reader), None
    raise InputError.single(str(path), "format", "输入应为 .parquet 或 .csv 文件")


def screen_file(
    policy: Policy,
    input_path: Path,
    output_path: Path,
    fiscal_year: int,
    as_of: dt.date,
    *,
    batch_rows: int = 1_000_000,
    errors_path: Path | None = None,
    progress: bool | None = None,
) -> ScreenReport:
    started = time.perf_counter()
    layout = flat_layout(policy)
    batches, total_rows = read_batches(layout, input_path, batch_rows)
    report = ScreenReport.of(layout)
    show = sys.stderr.isatty() if progress is None else progress
    tmp = output_path.with_name(output_path.name + ".partial")
    # Decoding and encoding Parquet release the GIL: read the next batch and write the last
    # result in background threads while this one is evaluated, so on two cores the rules
    # cost little beyond the I/O. One thread each keeps batches in order.
    with (
        pq.ParquetWriter(tmp, output_schema(layout), **WRITER_OPTIONS) as writer,
        _progress(show, total_rows) as advance,
        ThreadPoolExecutor(1) as reading,
        ThreadPoolExecutor(1) as writing,
    ):
        pending_write: Future[None] | None = None

        def read_and_prepare() -> tuple[pa.RecordBatch, Prepared] | None:
            # decoding and the column checks (credit codes, amounts) run here, beside the
            # evaluation of the previous batch: numpy and Arrow release the GIL for both
            batch = next(batches, None)
            if batch is None:
                return None
            return batch, flat_part(policy, layout, batch, fiscal_year, as_of)

        next_batch = reading.submit(read_and_prepare)
        while (item := next_batch.result()) is not None:
            next_batch = reading.submit(read_and_prepare)
            batch, prepared = item
            out = _account(report, policy, batch, fiscal_year, as_of, prepared)
            if pending_write is not None:
                pending_write.result()
            pending_write = writing.submit(writer.write_batch, out)
            advance(batch.num_rows)
        if pending_write is not None:
            pending_write.result()
    tmp.replace(output_path)  # never leave a half-written output under the real name
    if report.errors:
        errors_path = errors_path or output_path.with_name(output_path.name + ".errors.csv")
        with errors_path.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["row", "field", "rule", "message"])
            w.writerows(csv_row(e) for e in report.errors)
    report.seconds = time.perf_counter() - started
    return report


class _progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, show: bool, total: int | None) -> None:
        self.show, self.total = show, total
        self._bar: Progress | None = None

    def __enter__(self) -> Callable[[int], None]:
        if not self.show:
            return lambda n: None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        bar = self._bar = Progress(
            TextColumn("筛查"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        bar.__enter__()
        task = bar.add_task("screen", total=self.total)
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
