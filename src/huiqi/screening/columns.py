"""Arrow columns -> exact engine columns (int64 fen, bool, int), with row-level problems.

A bad value never aborts a run: it marks its row bad, with the field and rule, and the row
is left out of the output and listed in the error report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.rules.credit_code import CHARSET, WEIGHTS
from huiqi.rules.errors import InputError
from huiqi.rules.money import MAX_FEN, parse_amount

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass
class RowProblems:
    """Problems found in one batch: per row, the first field and rule it broke."""

    n: int
    bad: BoolArray = field(init=False)
    found: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, field, rule, msg)

    def __post_init__(self) -> None:
        self.bad = np.zeros(self.n, dtype=np.bool_)

    def mark(self, mask: BoolArray, column: str, rule: str, message: str) -> None:
        new = mask & ~self.bad
        for i in np.flatnonzero(new)[:10_000]:  # cap the report, never the marking
            self.found.append((int(i), column, rule, message))
        self.bad |= mask


def known_mask(arr: pa.Array) -> BoolArray:
    """True where a value is present, from the validity bitmap (no pyarrow.compute: its first
    call costs a noticeable set-up, and this runs on every column of every batch)."""
    n = len(arr)
    if arr.null_count == 0:
        return np.ones(n, dtype=np.bool_)
    bits = np.unpackbits(np.frombuffer(arr.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[arr.offset : arr.offset + n].astype(np.bool_)


def raw_values(arr: pa.Array) -> npt.NDArray[Any]:
    """The values buffer of a fixed-width array as numpy (nulls hold anything: mask them)."""
    n = len(arr)
    if pa.types.is_boolean(arr.type):
        bits = np.unpackbits(np.frombuffer(arr.buffers()[1], dtype=np.uint8), bitorder="little")
        return bits[arr.offset : arr.offset + n].astype(np.bool_)
    dtype = arr.type.to_pandas_dtype()
    return np.frombuffer(arr.buffers()[1], dtype=dtype)[arr.offset : arr.offset + n]


def _decimal_unscaled(arr: pa.Array) -> IntArray:
    """Unscaled integers of a decimal128 array (two's complement, low 64 bits suffice <= 18
    digits), read straight from the Arrow buffer: exact and zero-parse."""
    buf = arr.buffers()[1]
    words = np.frombuffer(buf, dtype=np.int64)[arr.offset * 2 : (arr.offset + len(arr)) * 2]
    return words[0::2].copy()


def money_column(arr: pa.Array, name: str, problems: RowProblems) -> tuple[IntArray, BoolArray]:
    """Yuan amounts -> (fen, known). Nulls are unknown; bad values mark the row."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    n = len(arr)
    known = known_mask(arr)
    t = arr.type
    if pa.types.is_decimal(t):
        if t.precision > 18:
            arr = arr.cast(pa.decimal128(18, t.scale))
            t = arr.type
        unscaled = _decimal_unscaled(arr)
        if t.scale <= 2:
            fen = unscaled * 10 ** (2 - t.scale)
        else:
            div = 10 ** (t.scale - 2)
            fen, rem = np.divmod(unscaled, div)
            problems.mark(known & (rem != 0), name, "precision", f"{name} 金额最多精确到分")
    elif pa.types.is_integer(t):
        fen = np.where(known, raw_values(arr), 0).astype(np.int64) * 100
    elif pa.types.is_floating(t):
        x = np.where(known, raw_values(arr), 0.0).astype(np.float64)
        scaled = x * 100
        fen_f = np.rint(scaled)
        bad_prec = np.abs(scaled - fen_f) > 1e-6 * np.maximum(1.0, np.abs(scaled))
        problems.mark(known & ~np.isfinite(x), name, "number", f"{name} 不是有限数值")
        problems.mark(known & bad_prec, name, "precision", f"{name} 金额最多精确到分")
        fen = np.where(np.isfinite(fen_f), fen_f, 0).astype(np.int64)
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        fen = _string_money(arr, name, problems, known)
    else:
        problems.mark(known, name, "number", f"{name} 列类型 {t} 不是金额")
        fen = np.zeros(n, dtype=np.int64)
    problems.mark(known & (fen < 0), name, "non_negative", f"{name} 金额不能为负数")
    problems.mark(known & (np.abs(fen) > MAX_FEN), name, "range", f"{name} 金额超出范围")
    fen = np.where(problems.bad, 0, fen)
    return fen.astype(np.int64), known


def _string_money(arr: pa.Array, name: str, problems: RowProblems, known: BoolArray) -> IntArray:
    stripped = pc.utf8_trim_whitespace(arr)
    empty = np.asarray(pc.equal(stripped, "").fill_null(False).to_numpy(zero_copy_only=False))
    known &= ~empty
    try:
        as_dec = pc.cast(pc.if_else(pa.array(empty), None, stripped), pa.decimal128(18, 2))
        return _decimal_unscaled(as_dec)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # slow path only for batches that hold odd text ("500万元", full-width digits, junk)
    out = np.zeros(len(arr), dtype=np.int64)
    for i, value in enumerate(stripped.to_pylist()):
        if not known[i] or value is None:
            continue
        try:
            out[i] = parse_amount(value, name)
        except InputError as exc:
            problems.mark(_one(len(arr), i), name, exc.errors[0].rule, exc.errors[0].message)
    return out


def _one(n: int, i: int) -> BoolArray:
    m = np.zeros(n, dtype=np.bool_)
    m[i] = True
    return m


_TRUE = {"true", "1", "是", "yes", "y", "t"}
_FALSE = {"false", "0", "否", "no", "n", "f"}


def flag_column(arr: pa.Array, name: str, problems: RowProblems) -> tuple[BoolArray, BoolArray]:
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    known = known_mask(arr)
    t = arr.type
    if pa.types.is_boolean(t):
        return raw_values(arr) & known, known
    if pa.types.is_integer(t):
        v = np.where(known, raw_values(arr), 0)
        problems.mark(known & ~np.isin(v, [0, 1]), name, "bool", f"{name} 应为 true/false 或 1/0")
        return v == 1, known
    text = pc.utf8_lower(pc.utf8_trim_whitespace(arr.cast(pa.string())))
    values = np.asarray(text.fill_null("").to_numpy(zero_copy_only=False), dtype=object)
    is_true = np.isin(values, list(_TRUE))
    is_false = np.isin(values, list(_FALSE))
    known &= values != ""
    problems.mark(known & ~is_true & ~is_false, name, "bool", f"{name} 应为 true/false（是/否）")
    return is_true, known


def level_column(
    arr: pa.Array, name: str, problems: RowProblems, allowed: tuple[int, ...]
) -> tuple[IntArray, BoolArray]:
    """Small integer level (e.g. DCMM 1-5); null / 0 / empty = none held."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        arr = pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), None, arr)
        try:
            arr = arr.cast(pa.int64())
        except pa.ArrowInvalid:
            values = arr.to_pylist()
            problems.mark(
                np.array([v is not None and not str(v).strip().isdigit() for v in values]),
                name,
                "integer",
                f"{name} 应为整数等级",
            )
            arr = pa.array(
                [int(v) if v is not None and str(v).strip().isdigit() else None for v in values]
            )
    elif pa.types.is_floating(arr.type):
        arr = arr.cast(pa.int64(), safe=False)
    present = known_mask(arr)
    v = np.where(present, raw_values(arr), 0).astype(np.int64)
    known = present & (v != 0)
    problems.mark(
        known & ~np.isin(v, list(allowed)),
        name,
        "level",
        f"{name} 应为 {'/'.join(map(str, allowed))} 之一",
    )
    return v, known


_LOOKUP = np.full(256, 255, dtype=np.uint8)
for _i, _ch in enumerate(CHARSET):
    _LOOKUP[ord(_ch)] = _i
_W = np.array(WEIGHTS, dtype=np.int64)
# _WEIGHTED[k][byte] = value of the character x weight of position k, or _BAD for a byte that
# is no GB 32100 character (17 x 30 x 30 < _BAD, and 17 x _BAD fits in int32)
_BAD = 1 << 20
_WEIGHTED = [
    np.where(_LOOKUP == 255, _BAD, _LOOKUP.astype(np.int32) * int(w)).astype(np.int32)
    for w in WEIGHTS
]
_CHECK = np.frombuffer(CHARSET.encode(), dtype=np.uint8)


def credit_code_column(arr: pa.Array, problems: RowProblems) -> tuple[IntArray, BoolArray]:
    """GB 32100 check of every code, vectorised over the Arrow string buffer. Returns the
    registration division of each code as `credit_division_column` does, read from the
    character rows the check has already laid out."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not pa.types.is_string(arr.type):  # large_string too: the offsets are read as int32
        arr = arr.cast(pa.string())
    n = len(arr)
    null = ~known_mask(arr)
    problems.mark(null, "credit_code", "required", "缺少统一社会信用代码")
    all_offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    lengths = np.diff(all_offsets)
    wrong_len = ~null & (lengths != 18)
    problems.mark(wrong_len, "credit_code", "credit_code", "统一社会信用代码应为 18 位")
    ok_len = ~null & ~wrong_len
    idx = np.flatnonzero(ok_len)
    division = np.zeros(n, dtype=np.int64)
    division_known = np.zeros(n, dtype=np.bool_)
    if len(idx) == 0:
        return division, division_known
    sub = arr.take(pa.array(idx)) if len(idx) < n else arr
    offsets = np.frombuffer(sub.buffers()[1], dtype=np.int32)[
        sub.offset : sub.offset + len(sub) + 1
    ]
    data = np.frombuffer(sub.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    # one contiguous row per character position; per-position tables give value x weight
    # in a single lookup, and a bad character adds _BAD so one comparison finds it
    by_position = np.ascontiguousarray(data.reshape(len(sub), 18).T)
    total = _WEIGHTED[0][by_position[0]]
    for k in range(1, 17):
        total += _WEIGHTED[k][by_position[k]]
    bad_char = (total >= _BAD) | (_LOOKUP[by_position[17]] == 255)
    expected = _CHECK[(31 - total % 31) % 31]
    bad_check = ~bad_char & (by_position[17] != expected)
    m1 = np.zeros(n, dtype=np.bool_)
    m1[idx] = bad_char
    problems.mark(m1, "credit_code", "credit_code", "统一社会信用代码含非法字符（GB 32100）")
    m2 = np.zeros(n, dtype=np.bool_)
    m2[idx] = bad_check
    problems.mark(m2, "credit_code", "credit_code", "统一社会信用代码校验位错误（GB 32100）")
    value, digits_ok = _fold_division(by_position[2:8])
    if len(idx) == n:
        return value, digits_ok
    division[idx], division_known[idx] = value, digits_ok
    return division, division_known


def credit_division_column(arr: pa.Array) -> tuple[IntArray, BoolArray]:
    """Characters 3–8 of each credit code (the registration division, e.g. 420106) as int64,
    known where the code has 18 characters and those six are digits, over the Arrow buffer
    as `credit_code_column` reads it; the scope condition of a policy reads it."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not pa.types.is_string(arr.type):  # large_string too: the offsets are read as int32
        arr = arr.cast(pa.string())
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    usable = np.diff(offsets) == 18
    if arr.null_count:
        usable &= known_mask(arr)
    if bool(usable.all()):  # the usual registry: every code given, 18 characters
        return _division_digits(arr)
    division = np.zeros(n, dtype=np.int64)
    known = np.zeros(n, dtype=np.bool_)
    idx = np.flatnonzero(usable)
    if len(idx) == 0:
        return division, known
    division[idx], known[idx] = _division_digits(arr.take(pa.array(idx)))
    return division, known


def _division_digits(arr: pa.Array) -> tuple[IntArray, BoolArray]:
    """Characters 3–8 of a string array whose every value has 18 characters."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return _fold_division(data.reshape(n, 18).T[2:8])


def _fold_division(characters: npt.NDArray[np.uint8]) -> tuple[IntArray, BoolArray]:
    """Six rows of characters (one row per position) -> the number they spell, and whether
    all six are digits (0 where not)."""
    # row by row in uint8: a byte below "0" wraps above 9, so one comparison finds a
    # non-digit; six digits fit int32, whose in-place steps are several times faster than
    # int64 ones (or a 2-D reduction, or an int64 matmul)
    zero = np.uint8(ord("0"))
    value = np.zeros(characters.shape[1], dtype=np.int32)
    ok = np.ones(characters.shape[1], dtype=np.bool_)
    for row in characters:
        digit = row - zero
        ok &= digit <= 9
        value *= 10
        value += digit
    value[~ok] = 0
    return value.astype(np.int64), ok


def fen_to_decimal_array(fen: IntArray) -> pa.Array:
    """int64 fen -> decimal128(18,2) without any per-value conversion: the unscaled value of
    a decimal IS the fen, so build the 16-byte little-endian words directly."""
    words = np.empty(len(fen) * 2, dtype=np.int64)
    words[0::2] = fen
    words[1::2] = fen >> 63  # sign extension of the high word
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words)])


def decimal_of(fen: int) -> Decimal:
    return Decimal(fen) / 100
