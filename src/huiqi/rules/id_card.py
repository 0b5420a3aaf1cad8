"""居民身份证号码 (GB 11643-1999) check, and the mask used wherever a number is shown.

18 characters: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit sequence, and a
check character: (12 - sum(digit x weight) mod 11) mod 11 over the first 17, where 10 is
written X. Full-width digits and a lower-case or full-width x are what people type, so they are
accepted and normalised.
"""

from __future__ import annotations

import datetime as dt

from .check_code import check_problem, length_problem, validated
from .cn_input import normalise_number_text

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
FIELD_ZH = "居民身份证号码"


def check_character(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def normalise_id_card(number: str) -> str:
    return normalise_number_text(number).replace("Ｘ", "X").replace("ｘ", "X").upper()


def id_card_problem(number: str) -> str | None:
    """The Chinese reason a (normalised) number fails GB 11643-1999, or None when it is valid."""
    wrong_length = length_problem(FIELD_ZH, number)
    if wrong_length:
        return wrong_length
    if not number[:17].isascii() or not number[:17].isdigit():
        return f"{FIELD_ZH}前 17 位应为数字"
    if not (number[17].isascii() and (number[17].isdigit() or number[17] == "X")):
        return f"{FIELD_ZH}第 18 位应为数字或 X"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return f"{FIELD_ZH}中的出生日期 {number[6:14]} 不是有效日期"
    return check_problem(FIELD_ZH, number, check_character(number[:17]), "GB 11643-1999")


def validate_id_card(number: str, path: str = "id_number") -> str:
    """Normalised valid number, or InputError naming `path`."""
    return validated(
        number, path=path, kind="id_card", name=FIELD_ZH,
        normalise=normalise_id_card, problem=id_card_problem,
    )  # fmt: skip


def make_id_card(first17: str) -> str:
    """Complete 17 digits with their check character (demo data, tests)."""
    return first17 + check_character(first17)


def mask_id_card(number: str) -> str:
    """4201**********1234: the region prefix and last four stay, enough to tell filers apart."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
