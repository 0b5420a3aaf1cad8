"""Spreadsheet cells that stay text: no export may carry a live formula.

A firm's name is typed by the firm. Written to Excel as it is, a name like
`=HYPERLINK("http://…","点此")` became a working formula in the 公示 list an officer opens
(openpyxl stores any string that begins with "=" as a formula), and in a CSV Excel evaluates
text that begins with =, +, -, @, a tab or a carriage return (CSV/formula injection).

- In .xlsx the text is kept exactly and stored as a string cell with Excel's quote prefix (what
  Excel itself does when one types '=…): shown as typed, never evaluated, still text after an
  edit.
- In .csv, which has no cell types, such text gets a leading apostrophe, the escape Excel and
  WPS understand (OWASP "CSV injection").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEAD)


def csv_cell(value: Any) -> Any:
    """The value to write into a CSV cell."""
    return "'" + value if formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def keep_text(worksheet: Any) -> int:
    """Turn every formula-like string cell of an openpyxl worksheet into plain text (in place);
    the number of cells changed. Call after filling the sheet, before saving."""
    changed = 0
    for row in worksheet.iter_rows():
        for cell in row:
            if formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
                changed += 1
    return changed


def keep_text_workbook(workbook: Any) -> int:
    return sum(keep_text(ws) for ws in workbook.worksheets)
