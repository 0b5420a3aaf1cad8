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
from huiqi.platform.tabular import EXCEL_SUFFIXES, decode_text, iter_records

# Chinese column titles of the screening template -> the core's column names
TITLES = {
    "统一社会信用代码": "credit_code",
    "软件企业": "software_enterprise",
    "营业收入（元）": "revenue",
    "营业收入": "revenue",
    "上年营业收入（元）": "revenue_previous_year",
    "上年营业收入": "revenue_previous_year",
    "研发投入（元）": "rd_expense",
    "研发投入": "rd_expense",
    "DCMM等级": "dcmm_level",
    "数据管理能力成熟度等级": "dcmm_level",
    "所属区": "district",
}
TEMPLATE_COLUMNS = [
    "统一社会信用代码",
    "软件企业",
    "营业收入（元）",
    "上年营业收入（元）",
    "研发投入（元）",
    "DCMM等级",
    "所属区",
]
TEMPLATE_EXAMPLE = [
    "91420100MA4K5Q8U19",
    "是",
    "800万元",
    "500万元",
    "130万元",
    "",
    "东湖新技术开发区",
]
EXCEL_MAX_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, the header included


def _english(title: str) -> str:
    text = title.strip().lstrip("\ufeff")
    return TITLES.get(text, TITLES.get(text.replace("(", "（").replace(")", "）"), text))


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
