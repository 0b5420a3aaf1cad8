"""Exact money: integer fen inside, Decimal at the edges, 元/万元 for people.

Percentages are applied to fen with half-up rounding to the fen, in integer arithmetic, so
that a scalar and a column of ten million give the same answer to the fen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .cn_input import parse_chinese_amount
from .errors import InputError

FenArray = npt.NDArray[np.int64]

FEN_PER_YUAN = 100
# Largest amount accepted: 10^13 yuan (10 万亿). Keeps fen x rate numerators far inside int64.
MAX_YUAN = Decimal(10) ** 13
MAX_FEN = int(MAX_YUAN) * FEN_PER_YUAN
MAX_WHOLE_YUAN = int(MAX_YUAN)
INT64_MAX = int(np.iinfo(np.int64).max)


def yuan_to_fen(value: Decimal) -> int:
    """Exact conversion; the caller has checked that there are at most two decimals."""
    return int(value * FEN_PER_YUAN)


def fen_to_str(fen: int) -> str:
    """Two-place decimal string, the JSON contract's amount format.

    Integer arithmetic, not Decimal: a result carries a hundred amounts, and this is exact
    and several times faster (checked against Decimal in tests/rules/test_money.py)."""
    fen = int(fen)
    yuan, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{yuan}.{cents:02d}"


def parse_amount(raw: Any, path: str, *, allow_negative: bool = False) -> int:
    """A yuan amount from JSON (number, decimal string, "500万元", "1.2亿", full-width) -> fen.

    Raises InputError naming `path` when the value is not a number, has more than two
    decimals, is negative, or is beyond 10 万亿元.
    """
    if isinstance(raw, bool) or raw is None:
        raise InputError.single(path, "number", f"应为金额（元），收到 {raw!r}")
    fast = plain_fen(raw)
    if fast is not None:
        return fast
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, (float, Decimal)):
        # floats reach us only when a caller parsed JSON without parse_float=Decimal; their
        # repr is the shortest round-trip form, which is what the person typed.
        value = Decimal(repr(raw)) if isinstance(raw, float) else raw
    elif isinstance(raw, str):
        parsed = parse_chinese_amount(raw)
        if parsed is None:
            raise InputError.single(
                path, "number", f"无法识别的金额：{raw!r}（示例：1234.56、500万元、1.2亿）"
            )
        value = parsed
    else:
        raise InputError.single(path, "number", f"应为金额（元），收到 {type(raw).__name__}")
    if not value.is_finite():
        raise InputError.single(path, "number", f"金额必须是有限数值，收到 {raw!r}")
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise InputError.single(path, "precision", f"金额最多精确到分（两位小数），收到 {raw!r}")
    if value < 0 and not allow_negative:
        raise InputError.single(path, "non_negative", f"金额不能为负数，收到 {raw!r}")
    if abs(value) > MAX_YUAN:
        raise InputError.single(
            path, "range", f"金额超出可处理范围（最多 10 万亿元），收到 {raw!r}"
        )
    return yuan_to_fen(value)


# plain whole amounts as files and forms mostly carry them ("1234", "500万元", 1234): the same
# fen as the Decimal path below gives, without it. At most 9 digits (before 万), so always in
# range; anything else takes the full path, which also words the errors.
_SCALE = {"": 100, "元": 100, "万": 1_000_000, "万元": 1_000_000}


def plain_fen(raw: Any) -> int | None:
    """Fen of a plain whole amount as most input is ("1234", "500万元", "500万", "1234元",
    1234): exactly what `parse_amount` gives, without its Decimal work; None for anything
    else (decimals, 亿, full-width digits, signs), which then takes the full parser."""
    if type(raw) is int:
        return raw * FEN_PER_YUAN if 0 <= raw < MAX_WHOLE_YUAN else None
    if type(raw) is not str:
        return None
    if raw.isascii() and raw.isdigit():
        # at most 13 digits: below 10 万亿元, the parser's own bound
        return int(raw) * FEN_PER_YUAN if len(raw) <= 13 else None
    digits = raw.rstrip("万元")
    if 0 < len(digits) <= 9 and digits.isascii() and digits.isdigit():
        scale = _SCALE.get(raw[len(digits) :])
        if scale is not None:
            return int(digits) * scale
    return None


def percent_half_up(fen: FenArray, rate: Fraction) -> FenArray:
    """rate x fen, rounded half-up to the fen, exactly, for non-negative fen.

    floor((2*n*x + d) / (2*d)) is half-up rounding of n*x/d for x >= 0 in integers.
    """
    n, d = rate.numerator, rate.denominator
    if n * MAX_FEN * 2 > INT64_MAX:
        raise OverflowError(f"rate {rate} too fine for int64 fen arithmetic")
    return (fen * (2 * n) + d) // (2 * d)


# Excel number format of a cell holding yuan: the cell stays a number (it sums and sorts) and
# reads as "50,000.00 元".
EXCEL_YUAN_FORMAT = '#,##0.00" 元";-#,##0.00" 元"'


def fen_to_yuan(fen: int) -> Decimal:
    """Exact yuan for a spreadsheet cell: 5000000 fen -> Decimal('50000.00')."""
    return Decimal(int(fen)).scaleb(-2)


def format_yuan(fen: int) -> str:
    """¥1,234,567.89"""
    fen = int(fen)
    yuan, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}¥{yuan:,}.{cents:02d}"


def format_wan(fen: int) -> str:
    """Amounts as officers say them: 130万元, 12.5万元, 2280万元 (no thousands commas, as the
    text writes them); below 1 万 in 元."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    if fen < 10_000 * FEN_PER_YUAN:
        yuan, cents = divmod(fen, 100)
        # whole yuan as said ("0元", "5,000元"); cents only where there are some
        return f"{sign}{yuan:,}{f'.{cents:02d}' if cents else ''}元"
    wan = Decimal(fen) / (10_000 * FEN_PER_YUAN)
    rounded = wan.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # 万元 is for reading; past two decimals say "about" and leave exactness to the 元 figure
    about = "" if rounded == wan else "约"
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    return f"{sign}{about}{text}万元"


def format_ratio_bp(bp: int) -> str:
    """3000 -> 30%, 1250 -> 12.5%: exact, from 1/10000 units."""
    whole, rest = divmod(bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"
