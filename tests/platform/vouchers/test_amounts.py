"""The 3.2.1 amount rule (pure): min(price × ratio half-up, class cap), then the yearly cap."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from huiqi.policies.wuhan_digital_economy_2022.measures_transformation import voucher_amount
from huiqi.rules.money import format_ratio_bp

PRICE = st.integers(min_value=1, max_value=10**12)
RATIO = st.integers(min_value=1, max_value=10_000)
CAP = st.integers(min_value=1, max_value=10**10)


def one(price: int, ratio: int, cap: int, annual: int | None = None, used: int = 0) -> int:
    arr = voucher_amount(
        np.array([price], dtype=np.int64),
        np.array([ratio], dtype=np.int64),
        np.array([cap], dtype=np.int64),
        np.array([annual or 0], dtype=np.int64),
        np.array([annual is not None]),
        np.array([used], dtype=np.int64),
    )
    return int(arr[0])


@given(PRICE, RATIO, CAP)
def test_exact_half_up_and_never_above_the_class_cap(price: int, ratio: int, cap: int) -> None:
    amount = one(price, ratio, cap)
    # exact integer arithmetic: half-up of price × ratio / 10000
    by_ratio = (price * ratio * 2 + 10_000) // 20_000
    assert amount == min(by_ratio, cap)
    assert 0 <= amount <= cap and amount <= price


@given(PRICE, RATIO, CAP, CAP, st.integers(min_value=0, max_value=10**10))
def test_yearly_cap_respected(price: int, ratio: int, cap: int, annual: int, used: int) -> None:
    amount = one(price, ratio, cap, annual, used)
    assert amount <= max(annual - used, 0)
    assert amount == min(one(price, ratio, cap), max(annual - used, 0))


@given(PRICE, PRICE, RATIO, CAP)
def test_monotone_in_price(a: int, b: int, ratio: int, cap: int) -> None:
    low, high = sorted((a, b))
    assert one(low, ratio, cap) <= one(high, ratio, cap)


def test_edges() -> None:
    assert one(5, 3000, 100) == 2  # 1.5 fen rounds up
    assert one(1, 1250, 100) == 0  # 0.125 fen rounds down
    assert one(1_000_000, 3000, 500_000) == 300_000
    assert one(10**12, 10_000, 10**13) == 10**12  # no overflow at the top of the range
    assert [format_ratio_bp(x) for x in (3000, 1250, 5, 10_000)] == [
        "30%",
        "12.5%",
        "0.05%",
        "100%",
    ]
