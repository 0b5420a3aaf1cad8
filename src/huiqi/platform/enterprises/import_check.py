"""The import's validation, one column at a time: every error of every row, each naming its
spreadsheet row and field, in Chinese.

Each column takes a fast path for what files mostly hold (a code already normal with the
right check character, a plain amount in 元 or 万元, one of a few sizes or districts written
the same way thousands of times) and hands everything else to the same checks a single firm
goes through (GB 32100, the amount parser, the policy's list of places), so an error reads
exactly as it does for one firm. A 成立日期 is read as 2020-01-05, 2020/1/5, 2020年1月5日,
20200105 or an Excel date cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.platform.enterprises.districts import official_district
from huiqi.platform.enterprises.schemas import YEAR_RANGE_ZH, year_in_range
from huiqi.platform.errors import ApiError
from huiqi.rules.credit_code import CHARSET, WEIGHTS, validate_credit_code
from huiqi.rules.errors import InputError
from huiqi.rules.money import FEN_PER_YUAN, parse_amount, plain_fen

_TRUE = {"1", "true", "是", "yes", "y", "t"}
_FALSE = {"", "0", "false", "否", "no", "n", "f"}
_SIZES = {
    "large": "large", "medium": "medium", "small": "small", "micro": "micro",
    "大型": "large", "中型": "medium", "小型": "small", "微型": "micro",
}  # fmt: skip
_CREDIT = {
    "normal": "normal", "正常": "normal", "serious_discredit": "serious_discredit",
    "严重失信": "serious_discredit",
}  # fmt: skip
Error = dict[str, str]


@dataclass
class Checked:
    """Validated values, one list per column, row i in position i."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    year: list[int | None] = field(default_factory=list)
    revenue: list[int | None] = field(default_factory=list)
    rd_expense: list[int | None] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.year)


def _text(v: Any) -> str:
    return str(v).strip() if v is not None else ""


def _all_text(column: list[Any]) -> bool:
    return set(map(type, column)) <= {str}


def _texts(column: list[Any]) -> list[str]:
    if _all_text(column):  # CSV: every cell is text
        return list(map(str.strip, column))
    return [_text(v) for v in column]


def _flag(v: Any, path: str) -> bool:
    t = str(v if v is not None else "").strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise InputError.single(path, "bool_type", f"应为 是/否，收到 {v!r}")


# GB 32100 over a whole column: byte -> character value (255: not a character of the set)
_VALUE = np.full(256, 255, dtype=np.int64)
_VALUE[np.frombuffer(CHARSET.encode(), dtype=np.uint8)] = np.arange(len(CHARSET))
_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_CHECK = np.frombuffer(CHARSET.encode(), dtype=np.uint8)


def plain_valid_codes(texts: list[str]) -> np.ndarray:
    """True where the text is already a normal GB 32100 code with the right check character
    (18 characters of the set, nothing to normalise); the others need the full check."""
    n = len(texts)
    ok = np.zeros(n, dtype=np.bool_)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    idx = np.flatnonzero(lengths == 18)
    if len(idx) == 0:
        return ok
    joined = "".join(texts) if len(idx) == n else "".join(texts[i] for i in idx)
    if not joined.isascii():  # rare: find the ASCII ones one by one
        idx = np.array([i for i in idx if texts[i].isascii()], dtype=np.int64)
        if len(idx) == 0:
            return ok
        joined = "".join(texts[i] for i in idx)
    chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(idx), 18)
    values = _VALUE[chars]
    total = values[:, :17] @ _WEIGHTS
    expected = _CHECK[(31 - total % 31) % 31]
    ok[idx] = (values < 255).all(axis=1) & (chars[:, 17] == expected)
    return ok


def _amounts_fast(values: list[Any]) -> list[int | None]:
    """`plain_fen` of a whole column; a column of text (every CSV) in Arrow's kernels."""
    if not values or not _all_text(values):
        return [plain_fen(v) for v in values]
    # from its buffers: pa.array() on a list would import pandas (seconds, once per process)
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int32, count=len(values)), out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    arr = pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets), data])
    yuan = _bits(pc.match_substring_regex(arr, r"^[0-9]{1,13}元?$"))
    wan = _bits(pc.match_substring_regex(arr, r"^[0-9]{1,9}万元?$"))
    scale = np.where(yuan, FEN_PER_YUAN, np.where(wan, 1_000_000, 0)).tolist()
    return [int(v.rstrip("万元")) * k if k else None for v, k in zip(values, scale, strict=True)]


# 2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日 (also in full-width digits), 20200105
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")
_FULL_WIDTH_DIGITS = str.maketrans({chr(0xFF10 + i): chr(0x30 + i) for i in range(10)})


def _keys(column: list[Any]) -> list[Any]:
    """Cells as dictionary keys: by (type, value), since 1, 1.0 and True are equal keys."""
    return column if _all_text(column) else [(type(v), v) for v in column]


def _date(v: Any) -> tuple[dt.date | None, bool]:
    """(the date, whether the cell is not one); a blank cell is no date and no error."""
    if isinstance(v, dt.datetime):  # an Excel date cell
        return v.date(), False
    if isinstance(v, dt.date):
        return v, False
    t = _text(v).translate(_FULL_WIDTH_DIGITS)
    if not t:
        return None, False
    m = _DATE.fullmatch(t) if isinstance(v, str) else None
    if m is None:
        return None, True
    y, mo, d = (int(x) for x in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    try:
        return dt.date(y, mo, d), False
    except ValueError:
        return None, True


def _bits(mask: pa.BooleanArray) -> np.ndarray:
    """A boolean Arrow array without nulls as numpy, from its bitmap (to_numpy() imports
    pandas)."""
    bits = np.unpackbits(np.frombuffer(mask.buffers()[1], dtype=np.uint8), bitorder="little")
    return bits[mask.offset : mask.offset + len(mask)].astype(np.bool_)


def _by_value(
    values: list[str], check: Callable[[str], tuple[Any, Error | None]]
) -> tuple[list[Any], dict[str, Error]]:
    """Check each distinct value once (a column of sizes or districts holds a handful):
    (value per row, error per distinct bad value)."""
    seen: dict[str, Any] = {}
    bad: dict[str, Error] = {}
    for t in set(values):
        seen[t], problem = check(t)
        if problem is not None:
            bad[t] = problem
    return list(map(seen.__getitem__, values)), bad


def validate(cols: dict[str, list[Any]], rows: list[int]) -> tuple[Checked, list[Error]]:
    """Check every column of every row; (checked values, errors). `rows` are the spreadsheet
    row numbers (the header is row 1)."""
    n = len(rows)
    errors: list[Error] = []

    def at(i: int, name: str, rule: str, message: str) -> Error:
        return {"path": f"rows[{rows[i]}].{name}", "rule": rule, "message": message}

    def column(name: str) -> list[Any]:
        return cols.get(name) or [None] * n

    out = Checked()
    texts = _texts(column("credit_code"))
    codes = texts
    for i in np.flatnonzero(~plain_valid_codes(texts)).tolist():
        try:
            codes[i] = validate_credit_code(texts[i], f"rows[{rows[i]}].credit_code")
        except InputError as e:
            errors += [x.to_json() for x in e.errors]
            codes[i] = ""
    if len(set(codes)) < n:  # duplicates (or invalid codes, left empty): in row order
        first: dict[str, int] = {}
        dups = []
        for i, code in enumerate(codes):
            if code and code in first:
                dups.append(at(i, "credit_code", "duplicate",
                               f"与第 {rows[first[code]]} 行的统一社会信用代码重复"))  # fmt: skip
            first.setdefault(code, i)
        errors = sorted(errors + dups, key=lambda e: _row_of(e["path"]))
    out.values["credit_code"] = codes
    for name, limit, required in (("name", 200, True), ("district", 64, True),
                                  ("industry", 64, False)):  # fmt: skip
        values = _texts(column(name))
        if not (required and "" in values) and max(map(len, values), default=0) <= limit:
            out.values[name] = values
            continue
        for i in [i for i, t in enumerate(values) if (required and not t) or len(t) > limit]:
            t = values[i]
            if required and not t:
                errors.append(at(i, name, "missing", "必填，不能为空"))
            else:
                errors.append(at(i, name, "string_too_long", f"不能超过 {limit} 个字"))
        out.values[name] = values
    _districts(out.values["district"], errors, at)
    for name, allowed, default in (("size", _SIZES, "small"), ("credit_status", _CREDIT, "normal")):

        def choice(t: str, allowed: dict[str, str] = allowed, default: str = default) -> Any:
            if t and t.lower() not in allowed and t not in allowed:
                msg = f"取值应为 {'、'.join(allowed)} 之一，收到 {t!r}"
                return default, {"rule": "literal_error", "message": msg}
            return (allowed.get(t.lower(), allowed.get(t, default)) if t else default), None

        raw = _texts(column(name))
        out.values[name], bad = _by_value(raw, choice)
        if bad:
            errors += [at(i, name, **bad[t]) for i, t in enumerate(raw) if t in bad]
    # by (type, value): 1, 1.0 and True are equal keys but not the same cell
    cells = column("is_software")
    flag_of: dict[Any, bool | None] = {}
    keys = _keys(cells)
    for key, v in zip(keys, cells, strict=True):
        if key not in flag_of:
            try:
                flag_of[key] = _flag(v, "")
            except InputError:
                flag_of[key] = None
    flags = list(map(flag_of.__getitem__, keys))
    for i in [i for i, f in enumerate(flags) if f is None]:
        try:
            _flag(cells[i], f"rows[{rows[i]}].is_software")
        except InputError as e:
            errors += [x.to_json() for x in e.errors]
    out.values["is_software"] = list(map(bool, flags))
    dates = column("registered_on")
    date_of = {key: _date(v) for key, v in zip(_keys(dates), dates, strict=True)}
    out.values["registered_on"] = [date_of[k][0] for k in _keys(dates)]
    errors += [
        at(i, "registered_on", "date_parsing", "应为日期（YYYY-MM-DD）")
        for i, k in enumerate(_keys(dates))
        if date_of[k][1]
    ]

    def year_of(t: str) -> Any:
        if not t:
            return None, None
        if not t.isdecimal():
            return None, {"rule": "int_parsing", "message": "年度应为整数"}
        if not year_in_range(int(t)):
            return None, {"rule": "range", "message": YEAR_RANGE_ZH}
        return int(t), None

    year_texts = _texts(column("year"))
    out.year, bad_years = _by_value(year_texts, year_of)
    if bad_years:
        errors += [
            at(i, "year", **bad_years[t]) for i, t in enumerate(year_texts) if t in bad_years
        ]
    for name in ("revenue", "rd_expense"):
        values = column(name)
        amounts = _amounts_fast(values)
        for i in [i for i, a in enumerate(amounts) if a is None and values[i] is not None]:
            v = values[i]
            if out.year[i] is None:
                continue
            if _text(v):
                try:
                    amounts[i] = parse_amount(v, f"rows[{rows[i]}].{name}")
                except InputError as e:
                    errors += [x.to_json() for x in e.errors]
        setattr(out, name, [a if y is not None else None for a, y in zip(amounts, out.year,
                                                                        strict=True)])  # fmt: skip
    return out, errors


def _districts(values: list[str], errors: list[Error], at: Callable[..., Error]) -> None:
    """Each firm's district must be one of the policy's places (as a single firm's is)."""

    def place(t: str) -> tuple[Any, Error | None]:
        if not t:
            return t, None  # reported as missing above
        try:
            return official_district(t), None
        except ApiError as e:
            return t, {"rule": e.errors[0]["rule"], "message": e.errors[0]["message"]}

    _, bad = _by_value(values, place)
    if bad:
        errors += [at(i, "district", **bad[t]) for i, t in enumerate(values) if t in bad]


def _row_of(path: str) -> int:
    return int(path[5 : path.index("]")])
