"""Reading the tables people upload: CSV in the encodings Chinese offices save, and .xlsx
streamed with a row limit.

- CSV: UTF-8 with or without BOM (Excel's "CSV UTF-8", WPS), GBK/GB18030 (Excel's plain
  "CSV" on Chinese Windows), UTF-16 with BOM ("Unicode 文本"). GB18030 is a superset of GBK
  and GB2312, so one decoder covers all three.
- .xlsx: openpyxl in read-only mode yields rows while it parses the sheet's XML, and rows are
  counted as they come: a file declaring or holding more rows than allowed is refused at the
  first row past the limit, not after building millions of rows in memory (a 234 KB xlsx of
  3 million rows took 28 s and 830 MB that way). The shared-strings part, which openpyxl keeps
  in memory whole, is bounded by its uncompressed size before anything is parsed.

`iter_records` is the streaming form (importers that work in batches); `read_columns` reads the
whole table column by column.
Errors are ApiError 422 naming the field "file" (or the row), in Chinese.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from huiqi.platform.errors import ApiError

# Blank rows tolerated beyond the row limit (Excel often keeps formatting on rows below the
# data); past this the file is refused even if the rest is blank.
BLANK_SLACK = 10_000
SHARED_STRINGS_MAX = 64 << 20  # uncompressed bytes of xl/sharedStrings.xml
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
ENCODINGS_ZH = "UTF-8（可带 BOM）、GBK、GB18030"


def decode_text(content: bytes, path: str = "file") -> str:
    """The text of an uploaded CSV in whichever of the supported encodings it is."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise ApiError(
                422, "encoding", f"无法识别文件编码（支持 {ENCODINGS_ZH}）", path
            ) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise ApiError(422, "encoding", f"无法识别文件编码（支持 {ENCODINGS_ZH}）", path) from None


def _too_many(max_rows: int, path: str) -> ApiError:
    return ApiError(422, "too_many_rows", f"数据行超过 {max_rows:,} 行，请拆分后分批导入", path)


def _blank(values: Any) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _csv_rows(content: bytes, max_rows: int, path: str) -> Iterator[list[Any]]:
    text = decode_text(content, path)
    reader = csv.reader(io.StringIO(text, newline=""))
    yield from _counted(reader, max_rows, path)


def _counted(rows: Any, max_rows: int, path: str) -> Iterator[list[Any]]:
    """The header, then the rows, refusing at the first row past the limit."""
    for _, row in _numbered(rows, max_rows, path):
        yield row


def _numbered(rows: Any, max_rows: int, path: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number, row) for the header (1) and each non-blank row, refusing at the first row
    past the limit."""
    seen = data = 0
    for row in rows:
        seen += 1
        if seen == 1:
            yield seen, list(row)
            continue
        if _blank(row):
            if seen > max_rows + BLANK_SLACK:
                raise _too_many(max_rows, path)
            continue
        data += 1
        if data > max_rows:
            raise _too_many(max_rows, path)
        yield seen, list(row)


def _size_from_start_tags(self: Any) -> None:
    """ReadOnlyWorksheet._get_size without the full read.

    openpyxl looks for the sheet's <dimension> with iterparse "end" events and gives up at the
    end of <sheetData>, which arrives only after every row: opening a sheet that has no
    <dimension> parsed all of it (3 million rows: a minute and hundreds of MB before the first
    row was returned). "start" events see both elements before any row."""
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    src = self._get_source()
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                dimension = SheetDimension.from_tree(element)
                bounds = dimension.boundaries if dimension is not None else None
                if bounds is not None:
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return
            if element.tag == DATA_TAG:
                return
    finally:
        src.close()


def _xlsx_rows(content: bytes, max_rows: int, path: str) -> Iterator[list[Any]]:
    for _, row in _xlsx_numbered(content, max_rows, path):
        yield row


def _xlsx_numbered(content: bytes, max_rows: int, path: str) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    # a private openpyxl method, so its stubs do not declare it
    ReadOnlyWorksheet._get_size = _size_from_start_tags  # type: ignore[attr-defined]

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            _check_parts(z, max_rows, path)
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ApiError:
        raise
    except Exception:
        raise ApiError(422, "file_format", "无法读取 Excel 文件（需为 .xlsx）", path) from None
    try:
        ws = wb.active
        if ws is None:
            return
        yield from _numbered(ws.iter_rows(values_only=True), max_rows, path)
    finally:
        wb.close()


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')


def _check_parts(z: zipfile.ZipFile, max_rows: int, path: str) -> None:
    """Refuse before parsing: shared strings too big to hold, or a sheet whose <dimension>
    already declares too many rows. (Not ws.max_row: without a <dimension> openpyxl computes
    it by reading the whole sheet.) A sheet may declare too few, so rows are counted anyway."""
    for info in z.infolist():
        name = info.filename
        if name.endswith("sharedStrings.xml") and info.file_size > SHARED_STRINGS_MAX:
            raise ApiError(422, "too_large", "Excel 文件中的文本过多，请拆分后导入", path)
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            with z.open(info) as sheet:
                head = sheet.read(4096)
            m = _DIMENSION.search(head)
            if m and int(m.group(1)) > max_rows + 1 + BLANK_SLACK:
                raise _too_many(max_rows, path)


def iter_records(
    filename: str,
    content: bytes,
    *,
    max_rows: int,
    aliases: Mapping[str, str] | None = None,
    path: str = "file",
) -> Iterator[dict[str, Any]]:
    """Each non-blank data row as {column: value}, column names mapped through `aliases`
    (e.g. Chinese titles to field names). Raises ApiError while iterating."""
    if filename.lower().endswith(EXCEL_SUFFIXES):
        rows = _xlsx_rows(content, max_rows, path)
    else:
        rows = _csv_rows(content, max_rows, path)
    header = next(rows, None)
    if header is None:
        return
    keys = [_column(h, aliases) for h in header]
    for row in rows:
        yield {k: v for k, v in zip(keys, row, strict=False) if k}


@dataclass
class Columns:
    """A table read column by column: `columns[name][i]` is data row i's value (None where the
    row was shorter than the header); `rows[i]` its spreadsheet row number (header = 1)."""

    columns: dict[str, list[Any]] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.rows)


def read_columns(
    filename: str,
    content: bytes,
    *,
    max_rows: int,
    aliases: Mapping[str, str] | None = None,
    path: str = "file",
) -> Columns:
    """The whole table as columns, read once: the rows `iter_records` yields (blank rows
    skipped, the same limits and errors), without a dict per row."""
    if filename.lower().endswith(EXCEL_SUFFIXES):
        header, rows, numbers = _xlsx_table(content, max_rows, path)
    else:
        header, rows, numbers = _csv_table(content, max_rows, path)
    out = Columns(rows=numbers)
    if header is None:
        return out
    positions: dict[str, list[int]] = {}
    for j, title in enumerate(header):
        key = _column(title, aliases)
        if key:
            positions.setdefault(key, []).append(j)
    width = len(header)
    given = rows
    if rows and any(len(r) != width for r in rows):
        rows = [r[:width] + [None] * (width - len(r)) if len(r) != width else r for r in rows]
    for key, where in positions.items():
        if len(where) == 1:  # one C-level pass per column (zip(*rows) is several times slower)
            out.columns[key] = list(map(operator.itemgetter(where[0]), rows))
        else:  # a title given twice: the last of its cells the row has, as in a record
            out.columns[key] = [
                next((r[j] for j in reversed(where) if j < len(r)), None) for r in given
            ]
    return out


def has_rows(filename: str, content: bytes, *, max_rows: int, path: str = "file") -> bool:
    """Whether the table has a data row, raising what reading it would raise for the file as a
    whole (encoding, format, too many rows): for a request that only stores the file.

    A CSV of no more lines than a header and `max_rows` rows cannot hold too many rows (a row
    takes at least a line), so it is decoded, not parsed, up to its first data row; likewise
    an .xlsx whose sheets have no more row elements, none numbered past that (their XML
    scanned, not parsed). Longer ones are read to the end as the job will read them."""
    if not filename.lower().endswith(EXCEL_SUFFIXES):
        text = decode_text(content, path)
        # line ends as the CSV reader splits lines: \n, \r and \r\n
        ends = text.count("\n") + text.count("\r") - text.count("\r\n")
        lines = ends + (0 if text.endswith(("\n", "\r")) else 1)
        if lines <= max_rows + 1:
            rows = csv.reader(io.StringIO(text, newline=""))
            next(rows, None)  # the header
            return any("".join(row).strip() for row in rows)
    elif _xlsx_rows_at_most(content, max_rows + 1):
        sheet = _xlsx_rows(content, max_rows, path)
        next(sheet, None)  # the header
        return next(sheet, None) is not None
    return read_columns(filename, content, max_rows=max_rows, path=path).n > 0


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d+)"')


def _xlsx_rows_at_most(content: bytes, limit: int) -> bool:
    """True when no worksheet has more than `limit` row elements or a row numbered past it,
    by scanning each sheet's XML as it is decompressed (constant memory, no parsing). False
    also when the file is no zip: reading it will say what is wrong."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            for info in z.infolist():
                name = info.filename
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                count = top = 0
                rest = b""
                with z.open(info) as sheet:
                    while chunk := sheet.read(1 << 20):
                        text = rest + chunk
                        cut = text.rfind(b"<")  # no tag is split between two scans
                        cut = len(text) if cut <= 0 else cut
                        part, rest = text[:cut], text[cut:]
                        count += len(_ROW_TAG.findall(part))
                        top = max([top, *map(int, _ROW_NUMBER.findall(part))])
                        if count > limit or top > limit:
                            return False
                count += len(_ROW_TAG.findall(rest))
                top = max([top, *map(int, _ROW_NUMBER.findall(rest))])
                if count > limit or top > limit:
                    return False
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return True


def _csv_table(
    content: bytes, max_rows: int, path: str
) -> tuple[list[Any] | None, list[list[Any]], list[int]]:
    """Header, non-blank rows and their row numbers, counted as `_counted` counts them. A
    CSV cell is text, so a row is blank when its joined text is blank (no per-cell test)."""
    reader = csv.reader(io.StringIO(decode_text(content, path), newline=""))
    header = next(reader, None)
    if header is None:
        return None, [], []
    rows: list[list[Any]] = []
    numbers: list[int] = []
    for seen, row in enumerate(reader, 2):
        if not "".join(row).strip():
            if seen > max_rows + BLANK_SLACK:
                raise _too_many(max_rows, path)
            continue
        if len(rows) == max_rows:
            raise _too_many(max_rows, path)
        rows.append(row)
        numbers.append(seen)
    return header, rows, numbers


def _xlsx_table(
    content: bytes, max_rows: int, path: str
) -> tuple[list[Any] | None, list[list[Any]], list[int]]:
    rows = _xlsx_numbered(content, max_rows, path)
    first = next(rows, None)
    if first is None:
        return None, [], []
    body = list(rows)
    return first[1], [r for _, r in body], [n for n, _ in body]


def _column(title: Any, aliases: Mapping[str, str] | None) -> str:
    text = str(title).strip().lstrip("\ufeff") if title is not None else ""
    if aliases:
        return aliases.get(text, aliases.get(_half_width(text), text))
    return text


def _half_width(text: str) -> str:
    """Titles typed with ASCII brackets ("营业收入(元)") match the full-width ones."""
    return text.replace("(", "（").replace(")", "）")


def template_xlsx(columns: list[str], example: list[Any], sheet: str = "导入模板") -> bytes:
    """A workbook with the column titles and one example row, for people to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from huiqi.cells import keep_text

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(example)
    for i, title in enumerate(columns):
        ws.column_dimensions[chr(ord("A") + i)].width = max(12, len(title) * 2 + 2)
    keep_text(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv(columns: list[str], example: list[Any]) -> bytes:
    """The same as CSV in UTF-8 with a BOM, which Excel on Windows opens with the right
    characters (without the BOM it guesses GBK)."""
    from huiqi.cells import csv_row

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    w.writerow(csv_row(example))
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")
