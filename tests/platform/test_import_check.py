"""The import's column checks agree with the single-firm checks they stand in for."""

from __future__ import annotations

import random

from huiqi.platform.enterprises.import_check import (
    _amount_fast,
    _amounts_fast,
    plain_valid_codes,
)
from huiqi.rules.credit_code import CHARSET, make_credit_code, validate_credit_code
from huiqi.rules.errors import InputError
from huiqi.rules.money import parse_amount


def _scalar_ok(text: str) -> bool:
    try:
        return validate_credit_code(text) == text
    except InputError:
        return False


def test_vectorised_code_check_matches_gb32100() -> None:
    rng = random.Random(7)
    texts = []
    for _ in range(20_000):
        code = make_credit_code("".join(rng.choice(CHARSET) for _ in range(17)))
        kind = rng.randrange(6)
        if kind == 1:  # a wrong check character
            code = code[:17] + rng.choice(CHARSET.replace(code[17], ""))
        elif kind == 2:  # a letter GB 32100 does not use, or lower case
            i = rng.randrange(18)
            code = code[:i] + rng.choice("IOSVZa") + code[i + 1 :]
        elif kind == 3:  # too short or too long
            code = code[: rng.randrange(18)] if rng.random() < 0.5 else code + "1"
        elif kind == 4:  # full-width, or a non-ASCII character in an 18-character text
            code = code[:5] + "Ａ" + code[6:] if rng.random() < 0.5 else "统" + code[1:]
        texts.append(code)
    fast = plain_valid_codes(texts)
    assert [bool(x) for x in fast] == [_scalar_ok(t) for t in texts]
    assert 0 < int(fast.sum()) < len(texts)
    assert not plain_valid_codes(["统一社会信用代码统一社会信用代码统一"]).any()
    assert list(plain_valid_codes([])) == []


def test_fast_amounts_equal_the_parser() -> None:
    samples = [
        "0", "7", "1234", "0123", "999999999", "1000000000", "9999999999999", "500万元",
        "500万", "1234元", "123456789万元", 0, 1234, 10**12, 10**13 - 1,
    ]  # fmt: skip
    for v in samples:
        assert _amount_fast(v) == parse_amount(v, "x"), v
    # everything else is left to the parser (None): it words the errors
    others = ["", " 12", "1.5", "５００", "1234567890万元", "万元", "-5", "1e3", "12\n", "1万万"]
    for v in [*others, True, 1.0, 10**13]:
        assert _amount_fast(v) is None, v
    # a column of text (a CSV's) goes through Arrow: the same answers
    text = [v for v in samples if isinstance(v, str)] + others
    assert _amounts_fast(text) == [_amount_fast(v) for v in text]
    assert _amounts_fast([*text, 5]) == [_amount_fast(v) for v in [*text, 5]]


def test_template_example_comes_from_the_policy_package() -> None:
    from pathlib import Path

    from huiqi.platform.enterprises import importer
    from huiqi.platform.policy import canonical_place, place_region

    code, name, district = importer.template_example()[:3]
    assert canonical_place(district) == district
    assert name.startswith(place_region().removesuffix("市"))
    assert validate_credit_code(code) == code
    # the platform's code names no place of its own
    source = Path(importer.__file__).read_text(encoding="utf-8")
    assert "武汉" not in source and "4201" not in source
