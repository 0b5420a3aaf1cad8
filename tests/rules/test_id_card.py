from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huiqi.rules.errors import InputError
from huiqi.rules.id_card import check_character, make_id_card, mask_id_card, validate_id_card
from huiqi.rules.mobile import mask_mobile, validate_mobile

# The worked example printed in GB 11643-1999 itself.
STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_passes_and_normalises() -> None:
    assert validate_id_card(STANDARD_EXAMPLE) == STANDARD_EXAMPLE
    assert validate_id_card(" 11010519491231002x ") == STANDARD_EXAMPLE
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in STANDARD_EXAMPLE)
    assert validate_id_card(full_width) == STANDARD_EXAMPLE


def test_wrong_check_digit_names_the_field_and_the_expected_digit() -> None:
    with pytest.raises(InputError) as exc:
        validate_id_card("110105194912310021", "objection.id_number")
    err = exc.value.errors[0]
    assert err.path == "objection.id_number" and err.rule == "id_card"
    assert "居民身份证号码" in err.message and "应为 X" in err.message


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("1101051949123100", "18 位"),
        ("11010519491231A02X", "前 17 位"),
        ("11010519491231002Y", "第 18 位"),
        ("110105194902300021", "不是有效日期"),
    ],
)
def test_malformed_numbers(number: str, fragment: str) -> None:
    with pytest.raises(InputError) as exc:
        validate_id_card(number)
    assert fragment in exc.value.errors[0].message


seventeen = st.text(alphabet="0123456789", min_size=3, max_size=3).map(
    lambda seq: "42010119900101" + seq
)


@given(seventeen)
def test_made_numbers_validate_and_every_other_check_character_fails(first17: str) -> None:
    good = make_id_card(first17)
    assert validate_id_card(good) == good
    for wrong in "0123456789X":
        if wrong != check_character(first17):
            with pytest.raises(InputError):
                validate_id_card(first17 + wrong)


@given(seventeen, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_a_single_changed_digit_is_caught(first17: str, pos: int, delta: int) -> None:
    # GB 11643's weights are all non-zero mod 11, so any one-digit typo changes the check
    good = make_id_card(first17)
    typo = good[:pos] + str((int(good[pos]) + delta) % 10) + good[pos + 1 :]
    with pytest.raises(InputError):
        validate_id_card(typo)


def test_masks() -> None:
    assert mask_id_card("420101199001011234") == "4201**********1234"
    assert mask_mobile("13812345678") == "138****5678"


@pytest.mark.parametrize(
    "typed", ["13812345678", "１３８１２３４５６７８", "138-1234-5678", "+86 138 1234 5678"]
)
def test_mobile_accepts_what_people_type(typed: str) -> None:
    assert validate_mobile(typed) == "13812345678"


@pytest.mark.parametrize("typed", ["23812345678", "1381234567", "138123456789", "1381234567a"])
def test_mobile_refuses_with_chinese_message(typed: str) -> None:
    with pytest.raises(InputError) as exc:
        validate_mobile(typed, "phone")
    err = exc.value.errors[0]
    assert err.path == "phone" and "手机号码" in err.message
