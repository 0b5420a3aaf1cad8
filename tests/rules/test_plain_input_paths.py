"""The short paths for plain amounts and plain credit codes give exactly what the full paths
give (the same fen, the same error), for every input — including near misses."""

from __future__ import annotations

import random
from typing import Any

import pytest

from huiqi.rules import credit_code, money
from huiqi.rules.errors import InputError


def _outcome(parse: Any, raw: Any) -> Any:
    try:
        return parse(raw)
    except InputError as e:
        return [(x.path, x.rule, x.message) for x in e.errors]


def _amounts() -> list[Any]:
    rng = random.Random(2022)
    out: list[Any] = [
        "0", "00012", "1234", "500万元", "500万", "500元", "12元元", "万元", "万", "元",
        "5万元元", "123456789", "1234567890", "1234567890万", "999999999万元", "1.5万",
        "１２３", "٣٣", "-5", "+5", "5 万元", "5万亿", "5元万", "007万元", 0, 5, 10**9 - 1,
        10**9, 10**13, 10**13 + 1, -1,
    ]  # fmt: skip
    for _ in range(3000):
        out.append("".join(rng.choice("0123456789万元亿.") for _ in range(rng.randint(0, 14))))
        out.append(rng.randint(-(10**14), 10**14))
    return out


def test_plain_amounts_parse_as_the_decimal_path(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = _amounts()
    assert money.plain_fen("500万元") == 500_000_000  # the short path takes plain amounts
    fast = [_outcome(lambda r: money.parse_amount(r, "rows[2].revenue"), r) for r in samples]
    monkeypatch.setattr(money, "plain_fen", lambda raw: None)
    full = [_outcome(lambda r: money.parse_amount(r, "rows[2].revenue"), r) for r in samples]
    assert fast == full
    assert fast[samples.index("500万元")] == 500_000_000


def _codes() -> list[str]:
    rng = random.Random(32100)
    out = ["91420100MA4K5Q8U19", "91420100ma4k5q8u19", "９1420100MA4K5Q8U19", "91420100RMB000000"]
    for _ in range(3000):
        first = "".join(rng.choice(credit_code.CHARSET) for _ in range(17))
        good = credit_code.make_credit_code(first)
        out.append(good)
        out.append(good[:17] + rng.choice(credit_code.CHARSET))  # mostly a wrong check char
        out.append(good[:5] + "RMB" + good[8:17])
    return out


def test_plain_credit_codes_validate_as_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = _codes()

    def check(code: str) -> str:
        return credit_code.validate_credit_code(code, "rows[2].code")

    class Never:
        @staticmethod
        def fullmatch(code: str) -> None:
            return None

    fast = [_outcome(check, c) for c in samples]
    monkeypatch.setattr(credit_code, "_PLAIN", Never)
    full = [_outcome(check, c) for c in samples]
    assert fast == full
    assert sum(isinstance(x, str) for x in fast) > 3000  # valid codes were among them
