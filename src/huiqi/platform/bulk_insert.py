"""Bulk writes shared by campaigns, imports, the audit log and the scale fixture.

On PostgreSQL rows go in with COPY through the session's own connection (so in the caller's
transaction, all or nothing); elsewhere with one executemany INSERT through SQLAlchemy (which
applies the column types: JSON, timestamps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


class JsonText(bytes):
    """A JSON column's value already serialised (UTF-8 JSON text): written as it is."""


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def insert_rows(db: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
    if not is_postgres(db):
        if any(isinstance(rows[0][c], JsonText) for c in as_json):
            rows = [{**r, **{c: _loads(r[c]) for c in as_json}} for r in rows]
        db.execute(insert(table), list(rows))
        return
    raw = db.connection().connection.driver_connection
    assert raw is not None
    if as_json:
        fast_toast_compression(db)
    names = ", ".join(columns)
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [_text(row[c]) if c in as_json and row[c] is not None else row[c] for c in columns]
            )


def insert_columns(db: Session, table: Table, columns: dict[str, Sequence[Any]]) -> None:
    """Insert rows given column by column (equal lengths): for large imports, no dict per row
    on PostgreSQL. Values of JSON columns are written as `insert_rows` writes them."""
    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    if n == 0:
        return
    if not is_postgres(db):
        insert_rows(
            db,
            table,
            [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)],
        )
        return
    as_json = {c for c in names if isinstance(table.c[c].type, JSON)}
    if as_json:
        fast_toast_compression(db)
    values = [
        [_text(v) if v is not None else None for v in columns[c]] if c in as_json else columns[c]
        for c in names
    ]
    raw = db.connection().connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in zip(*values, strict=True):
            copy.write_row(row)


def fast_toast_compression(db: Session) -> None:
    """Compress this transaction's large values (frozen evaluations of several KB) with lz4
    instead of the default pglz: about half the server's time per row in a bulk COPY, and
    read back the same. Only where the server was built with lz4; a setting of this
    transaction, no schema change."""
    has_lz4 = db.execute(
        text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    ).scalar()
    if has_lz4:
        db.execute(text("SET LOCAL default_toast_compression = lz4"))


def _text(value: Any) -> str:
    if isinstance(value, JsonText):
        return value.decode()
    return orjson.dumps(value).decode()  # 5-10x json.dumps: the payloads are large


def _loads(value: Any) -> Any:
    return orjson.loads(bytes(value)) if isinstance(value, JsonText) else value


def reserve_ids(db: Session, table: Table, n: int) -> list[int]:
    """`n` fresh primary keys for `table`, so rows can be written with COPY and referred to.

    PostgreSQL draws them from the table's sequence; SQLite (one writer at a time, inside the
    caller's write transaction) continues after the largest id.
    """
    if n == 0:
        return []
    if is_postgres(db):
        return list(
            db.scalars(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": n},
            )
        )
    top = int(db.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one())
    return list(range(top + 1, top + 1 + n))


def add_to_counters(
    db: Session, table: Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Add each row's other columns to the counters of the row with the same `keys`, creating
    it when missing: one INSERT ... ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike), so
    concurrent writers add rather than overwrite. The caller sorts `rows` by key, so writers
    lock the same rows in the same order (no deadlock)."""
    if not rows:
        return
    ins = pg_insert(table) if is_postgres(db) else sqlite_insert(table)
    added = [c for c in rows[0] if c not in keys]
    stmt = ins.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: table.c[c] + ins.excluded[c] for c in added},
    )
    # one statement per few hundred rows keeps the parameter count under SQLite's limit
    for start in range(0, len(rows), 500):
        db.execute(stmt, list(rows[start : start + 500]))


def reserve_ids_at_once(db: Session, table: Table, n: int) -> list[int]:
    """`reserve_ids`, fetched on PostgreSQL as one array (one row rather than `n` rows: tens of
    thousands of ids for a campaign)."""
    if n == 0 or not is_postgres(db):
        return reserve_ids(db, table, n)
    ids = db.scalar(
        text(
            f"SELECT array_agg(nextval(pg_get_serial_sequence('{table.name}', 'id'))) "
            "FROM generate_series(1, :n)"
        ),
        {"n": n},
    )
    return list(ids or [])
