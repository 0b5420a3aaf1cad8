"""Screening results that name the firm: the registry's optional name and district columns are
carried into the result files (the core screens credit codes and figures only), and the page
lists the firms with the largest awards.

Matched by credit code (unique in a registry; the first row wins if a file repeats one), so
the result keeps its own row order and its rows stay one per screened firm.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

# registry column -> result column; Chinese headers are accepted as well
NAME_COLUMNS = {"name": "name", "企业名称": "name", "district": "district", "所属区": "district"}
TOP = 20


def _read_names(src: Path) -> pa.Table | None:
    """credit_code, name, district of the registry; None when it has neither column."""
    if src.suffix.lower() in (".parquet", ".pq"):
        names = pq.ParquetFile(src).schema_arrow.names
    else:
        with src.open("r", encoding="utf-8-sig") as fh:
            names = next(csv.reader(fh), [])
    wanted = {c: NAME_COLUMNS[c] for c in names if c in NAME_COLUMNS}
    if "credit_code" not in names or not wanted:
        return None
    columns = ["credit_code", *wanted]
    if src.suffix.lower() in (".parquet", ".pq"):
        table = pq.read_table(src, columns=columns)
    else:
        opts = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in columns}, include_columns=columns
        )
        table = pacsv.read_csv(src, convert_options=opts)
    table = table.rename_columns(["credit_code", *wanted.values()])
    for col in ("name", "district"):
        if col not in table.column_names:
            table = table.append_column(col, pa.nulls(table.num_rows, pa.string()))
    table = table.select(["credit_code", "name", "district"]).cast(
        pa.schema([(c, pa.string()) for c in ("credit_code", "name", "district")])
    )
    return (
        table.group_by("credit_code", use_threads=False)
        .aggregate([("name", "first"), ("district", "first")])
        .rename_columns(["credit_code", "name", "district"])
    )


def add_names(result_path: Path, src: Path) -> pa.Table:
    """Rewrite the result Parquet with name and district after the credit code; return it."""
    result = pq.read_table(result_path)
    names = _read_names(src)
    if names is None:
        return result
    order = pa.array(range(result.num_rows), pa.int64())
    joined = (
        result.append_column("_row", order)
        .join(names, "credit_code", join_type="left outer", use_threads=False)
        .sort_by("_row")
    )
    columns = ["credit_code", "name", "district"] + [
        c for c in result.column_names if c != "credit_code"
    ]
    table = joined.select(columns)
    pq.write_table(table, result_path)
    return table


def top_firms(table: pa.Table, limit: int = TOP) -> list[dict[str, Any]]:
    """The firms with the largest total award, for the page (amounts in fen)."""
    if table.num_rows == 0 or "award_total" not in table.column_names:
        return []
    idx = pc.select_k_unstable(
        table, k=min(limit, table.num_rows), sort_keys=[("award_total", "descending")]
    )
    rows = table.take(idx).to_pylist()
    awards = [c for c in table.column_names if c.startswith("award_") and c != "award_total"]
    out = []
    for r in rows:
        total = r["award_total"] or Decimal(0)
        if total <= 0:
            continue
        out.append(
            {
                "credit_code": r["credit_code"],
                "name": r.get("name") or "",
                "district": r.get("district") or "",
                "total_fen": int(total * 100),
                "awards_fen": {
                    c.removeprefix("award_").replace("_", "."): int((r[c] or 0) * 100)
                    for c in awards
                },
            }
        )
    return out
