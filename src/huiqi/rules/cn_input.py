"""What people type: full-width digits, thousands separators, 万 / 亿 and 元.

"５００万元" -> 5000000, "1.2亿" -> 120000000, "¥1,234.50" -> 1234.50. Exact (Decimal).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９．，－＋％　",
    "0123456789.,-+% ",
)
_UNITS = {"": Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000)}
_AMOUNT = re.compile(r"^(?P<sign>[-+]?)(?P<num>\d+(?:\.\d+)?)(?P<unit>千|万|亿|)(?:元|圆)?$")


def normalise_number_text(text: str) -> str:
    """Full-width to half-width, drop spaces, thousands commas and currency signs."""
    t = text.translate(_FULL_WIDTH).strip()
    for junk in (" ", ",", "¥", "￥", "RMB", "CNY", "人民币"):
        t = t.replace(junk, "")
    return t


def parse_chinese_amount(text: str) -> Decimal | None:
    """Parse a yuan amount as typed by a person; None when it is not an amount."""
    t = normalise_number_text(text)
    m = _AMOUNT.match(t)
    if not m:
        return None
    try:
        value = Decimal(m["num"]) * _UNITS[m["unit"]]
    except InvalidOperation:
        return None
    return -value if m["sign"] == "-" else value


def parse_percent(text: str) -> Decimal | None:
    """ "15%" / "１５％" / "0.15" -> Decimal("0.15")."""
    t = normalise_number_text(text)
    try:
        if t.endswith("%"):
            return Decimal(t[:-1]) / 100
        return Decimal(t)
    except InvalidOperation:
        return None
