from __future__ import annotations

import pytest

from huiqi.rules.credit_code import make_credit_code, validate_credit_code
from huiqi.rules.errors import InputError


@pytest.mark.parametrize("code", ["91420100MA4K5Q8U19"])
def test_valid_code_passes_and_normalises(code: str) -> None:
    assert validate_credit_code(code) == code
    assert validate_credit_code(" " + code.lower() + " ") == code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert validate_credit_code(full_width) == code


def test_wrong_check_character_is_refused_with_the_expected_one() -> None:
    with pytest.raises(InputError) as exc:
        validate_credit_code("91420100MA4K5Q8U18", "enterprise.credit_code")
    err = exc.value.errors[0]
    assert err.path == "enterprise.credit_code" and err.rule == "credit_code"
    assert "应为 9" in err.message


@pytest.mark.parametrize(
    ("code", "fragment"),
    [("9142010", "18 位"), ("91420100MA4K5Q8UI9", "非法字符"), ("91420100MA4K5Q8US9", "非法字符")],
)
def test_malformed_codes(code: str, fragment: str) -> None:
    with pytest.raises(InputError) as exc:
        validate_credit_code(code)
    assert fragment in exc.value.errors[0].message


def test_make_credit_code_round_trips() -> None:
    for body in ("91420100MA4K5Q8U1", "12420000MB1234567", "93420111MA4F00000"):
        assert validate_credit_code(make_credit_code(body)) == make_credit_code(body)


def test_known_published_code() -> None:
    # the published code of 中国石油化工股份有限公司
    assert validate_credit_code("91110000710925243K") == "91110000710925243K"


@pytest.mark.parametrize("body", ["91420100RMB000001", "9142010CNY0000001", "91420100MA4RMBCNY"])
def test_codes_containing_currency_letters_are_valid(body: str) -> None:
    # R, M, B, C, N and Y are all characters of the code set: nothing may strip them
    code = make_credit_code(body)
    assert validate_credit_code(code) == code
    assert validate_credit_code(code.lower()) == code
    assert validate_credit_code(code[:6] + " " + code[6:]) == code


def test_a_code_written_with_separators_and_full_width_dash() -> None:
    assert validate_credit_code("914201-00MA4K5Q8U19") == "91420100MA4K5Q8U19"
    assert validate_credit_code("91420100－MA4K5Q8U19") == "91420100MA4K5Q8U19"
