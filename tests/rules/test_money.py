from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from huiqi.rules.errors import InputError
from huiqi.rules.money import fen_to_str, format_wan, format_yuan, parse_amount, percent_half_up


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        (5000000, 500000000),
        ("5000000.00", 500000000),
        (Decimal("0.1"), 10),
        (0.1, 10),
        ("500万元", 500000000),
        ("５００万元", 500000000),
        ("1.2亿", 12000000000),
        ("¥1,234.56", 123456),
        ("１２３４．５６元", 123456),
        ("130万", 130000000),
    ],
)
def test_parse_amount_accepts_what_people_type(raw: object, fen: int) -> None:
    assert parse_amount(raw, "x") == fen


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (-1, "non_negative"),
        ("abc", "number"),
        ("1.234", "precision"),
        (True, "number"),
        (None, "number"),
        ("1e30", "number"),
        (10**14, "range"),
    ],
)
def test_parse_amount_names_field_and_rule(raw: object, rule: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_amount(raw, "annual.2023.revenue")
    (err,) = exc.value.errors
    assert err.path == "annual.2023.revenue"
    assert err.rule == rule
    assert err.message  # Chinese text for a person


def test_percent_half_up_is_exact_at_the_half_fen() -> None:
    fen = np.array([15, 14, 16, 5, 4, 0, 150000005], dtype=np.int64)
    out = percent_half_up(fen, Fraction(1, 10))
    assert out.tolist() == [2, 1, 2, 1, 0, 0, 15000001]


def test_percent_matches_decimal_half_up_for_many_values() -> None:
    rng = np.random.default_rng(7)
    fen = rng.integers(0, 10**13, size=5000, dtype=np.int64)
    for rate in (Fraction(3, 10), Fraction(1, 100), Fraction(2, 25), Fraction(1, 5)):
        got = percent_half_up(fen, rate)
        for f, g in zip(fen[:500], got[:500], strict=True):
            want = (Decimal(int(f)) * Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(
                Decimal(1), rounding="ROUND_HALF_UP"
            )
            assert int(g) == int(want)


def test_formatting_in_yuan_and_wan() -> None:
    assert format_yuan(13000000) == "¥130,000.00"
    assert format_yuan(-1) == "-¥0.01"
    assert format_wan(13000000) == "13万元"
    assert format_wan(1250000000) == "1250万元"
    assert format_wan(2_280_000_000) == "2280万元"
    assert format_wan(123456) == "1,234.56元"
    assert format_wan(0) == "0元" and format_wan(500000) == "5,000元"
    assert format_wan(-120) == "-1.20元"
    assert format_wan(1234567) == "约1.23万元"
    assert format_wan(1250000) == "1.25万元"


@given(st.integers(-(10**17), 10**17))
def test_amount_text_is_exact(fen: int) -> None:
    # the fast integer formatting equals the Decimal reference to the fen, sign included
    reference = (Decimal(fen) / 100).quantize(Decimal("0.01"))
    assert fen_to_str(fen) == str(reference)
    assert format_yuan(fen) == ("-" if fen < 0 else "") + f"¥{abs(reference):,.2f}"
