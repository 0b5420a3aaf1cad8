"""Registry uploads for bulk screening in the forms offices have: CSV in UTF-8 or GBK/GB18030,
or .xlsx, with English column names or the Chinese titles of the template.

The screening core reads UTF-8 CSV (Arrow) or Parquet with the English column names; an upload
is brought to that form once, here, before the job starts. A UTF-8 CSV with English names
passes through untouched (a 200 MB registry is not copied for nothing).
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

from huiqi.platform.errors import ApiError
from huiqi.platform.policy import get_policy
from huiqi.platform.tabular import EXCEL_SUFFIXES, decode_text, iter_records
from huiqi.screening.flat import flat_layout

EXCEL_MAX_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, the header included


def _template() -> dict[str, tuple[str, tuple[str, ...], str]]:
    """The policy package's upload template (screen.yaml): column -> (title, also, example)."""
    return flat_layout(get_policy()).template


def template_row() -> tuple[list[str], list[str]]:
    """The template's Chinese titles and its example row, in order."""
    template = _template()
    return [t for t, _, _ in template.values()], [e for _, _, e in template.values()]


def _english(title: str) -> str:
    """A column title as typed -> the core's column name (unknown titles pass as they are)."""
    titles = {t: c for c, (title_, also, _) in _template().items() for t in (title_, *also)}
    text = title.strip().lstrip("\ufeff")
    return titles.get(text, titles.get(text.replace("(", "（").replace(")", "）"), text))


def _csv_bytes(header: list[str], rows: Any) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8")


def normalise(filename: str, content: bytes) -> tuple[str, bytes]:
    """(name, bytes) the screening core reads: Parquet as it is, anything else UTF-8 CSV with
    the core's column names. Raises ApiError (path "file") for an unreadable upload."""
    lower = filename.lower()
    if lower.endswith((".parquet", ".pq")):
        return filename, content
    stem = filename.rsplit(".", 1)[0]
    if lower.endswith(EXCEL_SUFFIXES):
        records = iter_records(filename, content, max_rows=EXCEL_MAX_ROWS)
        first = next(records, None)
        if first is None:
            raise ApiError(422, "empty", "文件中没有数据行", "file")
        header = [_english(str(k)) for k in first]
        rows = ([first.get(k) for k in first], *([r.get(k) for k in first] for r in records))
        return f"{stem}.csv", _csv_bytes(header, rows)
    if not lower.endswith(".csv"):
        raise ApiError(422, "format", "文件应为 .csv、.xlsx 或 .parquet 格式", "file")
    plain_utf8 = not content.startswith(codecs.BOM_UTF8)
    if plain_utf8:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            plain_utf8 = False
    if plain_utf8:
        head, sep, rest = content.partition(b"\n")
        titles = next(csv.reader([head.decode("utf-8").rstrip("\r")]), [])
        mapped = [_english(t) for t in titles]
        if mapped == titles:
            return filename, content
        return filename, _csv_bytes(mapped, []) + rest if sep else _csv_bytes(mapped, [])
    text = decode_text(content)  # GBK / GB18030 / UTF-8 with BOM / UTF-16
    first_line, newline, others = text.partition("\n")
    titles = next(csv.reader([first_line.rstrip("\r")]), [])
    out = _csv_bytes([_english(t) for t in titles], [])
    return filename, out + others.encode("utf-8") if newline else out
