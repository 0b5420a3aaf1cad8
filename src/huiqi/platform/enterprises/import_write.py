"""The import's writing: every checked row into a temporary staging table in one batch
(PostgreSQL: COPY; SQLite: executemany), then a few set-based statements that update the firms
already registered, insert the new ones and upsert their figures, all in the caller's
transaction, so any failure writes nothing.

Joining on the staging table keeps the work on the database's side: no firm's id travels to
Python and back, and a re-import of known firms costs one UPDATE, not one per row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.orm import Session

from huiqi.platform.bulk_insert import is_postgres
from huiqi.platform.db import UTCDateTime
from huiqi.platform.enterprises.import_check import Checked

STAGE = "enterprise_import_stage"
# The staging table's columns, in COPY order; the firm's fields are the enterprises columns.
_FIRM = (
    "credit_code", "name", "district", "industry", "size", "is_software", "credit_status",
    "registered_on",
)  # fmt: skip
_COLUMNS = ("row_no", *_FIRM, "year", "revenue_fen", "rd_expense_fen")
_TYPES = {
    "row_no": "integer NOT NULL",
    "credit_code": "varchar(18) NOT NULL",
    "name": "varchar(200) NOT NULL",
    "district": "varchar(64) NOT NULL",
    "industry": "varchar(64) NOT NULL",
    "size": "varchar(16) NOT NULL",
    "is_software": "boolean NOT NULL",
    "credit_status": "varchar(32) NOT NULL",
    "registered_on": "date",
    "year": "integer",
    "revenue_fen": "bigint",
    "rd_expense_fen": "bigint",
}
# COPY's text format: these characters in a value must be escaped
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def write_rows(db: Session, checked: Checked, now: dt.datetime) -> tuple[int, int]:
    """Upsert the checked firms and their figures; (created, updated)."""
    if is_postgres(db):  # the joins sort and hash 100,000 rows: in memory, not on disk
        db.execute(text("SET LOCAL work_mem = '64MB'"))
    _stage(db, checked)
    conn = db.connection()  # its results carry the row counts
    now_param = bindparam("now", now, type_=UTCDateTime())
    empty = bindparam("extra", {}, type_=JSON())
    # a blank 成立日期 (or none in the file) keeps the date the firm had
    firm_set = ", ".join(
        f"{c} = coalesce(s.{c}, enterprises.{c})" if c == "registered_on" else f"{c} = s.{c}"
        for c in _FIRM[1:]
    )
    updated = conn.execute(
        text(
            f"UPDATE enterprises SET {firm_set}, updated_at = :now FROM {STAGE} AS s "
            "WHERE enterprises.credit_code = s.credit_code"
        ).bindparams(now_param)
    ).rowcount
    firm_cols = ", ".join(_FIRM)
    # ORDER BY row: new firms get their ids in the file's order
    created = conn.execute(
        text(
            f"INSERT INTO enterprises ({firm_cols}, extra, created_at, updated_at) "
            f"SELECT {', '.join(f's.{c}' for c in _FIRM)}, :extra, :now, :now FROM {STAGE} AS s "
            "WHERE NOT EXISTS (SELECT 1 FROM enterprises AS e WHERE e.credit_code = s.credit_code) "
            "ORDER BY s.row_no"
        ).bindparams(now_param, empty)
    ).rowcount
    # a firm's figures of that year are replaced (blank amounts too), others kept
    db.execute(
        text(
            "INSERT INTO annual_figures (enterprise_id, year, revenue_fen, rd_expense_fen, extra) "
            f"SELECT e.id, s.year, s.revenue_fen, s.rd_expense_fen, :extra FROM {STAGE} AS s "
            "JOIN enterprises AS e ON e.credit_code = s.credit_code WHERE s.year IS NOT NULL "
            "ORDER BY s.row_no "
            "ON CONFLICT (enterprise_id, year) DO UPDATE SET "
            "revenue_fen = excluded.revenue_fen, rd_expense_fen = excluded.rd_expense_fen"
        ).bindparams(empty)
    )
    db.execute(text(f"DROP TABLE {STAGE}"))
    return created, updated


def _stage(db: Session, checked: Checked) -> None:
    columns = ", ".join(f"{c} {_TYPES[c]}" for c in _COLUMNS)
    db.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    db.execute(text(f"CREATE TEMPORARY TABLE {STAGE} ({columns})"))
    v = checked.values
    values: list[list[Any]] = [
        list(range(checked.n)),
        *(v[c] for c in _FIRM),
        checked.year,
        checked.revenue,
        checked.rd_expense,
    ]
    if not is_postgres(db):
        values[_COLUMNS.index("registered_on")] = [
            None if d is None else d.isoformat() for d in v["registered_on"]
        ]
        marks = ", ".join("?" * len(_COLUMNS))
        insert = f"INSERT INTO {STAGE} ({', '.join(_COLUMNS)}) VALUES ({marks})"
        raw = db.connection().connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        try:
            cur.executemany(insert, zip(*values, strict=True))
        finally:
            cur.close()
        return
    cells = [_copy_text(c, col) for c, col in zip(_COLUMNS, values, strict=True)]
    raw = db.connection().connection.driver_connection
    assert raw is not None
    lines = ["\t".join(row) for row in zip(*cells, strict=True)]
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {STAGE} ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
    ):
        for start in range(0, len(lines), 20_000):
            copy.write("\n".join(lines[start : start + 20_000]) + "\n")


def _copy_text(name: str, column: list[Any]) -> list[str]:
    """One column in COPY's text format: \\N for NULL, t/f, escaped text."""
    if name == "is_software":
        return ["t" if b else "f" for b in column]
    if name in ("row_no", "year", "revenue_fen", "rd_expense_fen", "registered_on"):
        return [r"\N" if x is None else str(x) for x in column]
    joined = "".join(column)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [t.translate(_COPY_ESCAPES) for t in column]
    return list(column)
