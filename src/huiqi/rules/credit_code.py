"""统一社会信用代码 (GB 32100-2015) check.

18 characters from a 31-character set (no I, O, S, V, Z). Character 18 is the check
character: 31 - (sum of value x weight over the first 17) mod 31, where 31 maps to 0.
"""

from __future__ import annotations

import re
from operator import mul

from .check_code import check_problem, length_problem, validated

FIELD_ZH = "统一社会信用代码"
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# full-width digits and letters as Chinese input methods type them, mapped to ASCII
_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + i): chr(0x30 + i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
)
# what people put between the groups of a code: spaces (also the full-width one) and dashes
_SEPARATORS = re.compile(r"[\s\u3000\-－]")


# a code as most files carry it: 18 characters of the set, nothing to normalise
_PLAIN = re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")


def check_character(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError("check_character takes the first 17 characters")
    total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(code: str) -> str:
    # Not the amount normaliser: it drops "RMB" and "CNY", which are letters of a valid code.
    return _SEPARATORS.sub("", code.translate(_FULL_WIDTH)).upper()


def credit_code_problem(code: str) -> str | None:
    """The Chinese reason a code fails GB 32100, or None when it is valid."""
    wrong_length = length_problem(FIELD_ZH, code)
    if wrong_length:
        return wrong_length
    bad = [c for c in code if c not in _VALUE]
    if bad:
        return f"{FIELD_ZH}含非法字符 {''.join(bad)!r}（不使用 I、O、S、V、Z）"
    return check_problem(FIELD_ZH, code, check_character(code[:17]), "GB 32100")


def validate_credit_code(code: str, path: str = "credit_code") -> str:
    """Normalised valid code, or InputError naming `path`."""
    # already normal (an import validates 100,000 of these): only the check character
    if isinstance(code, str) and _PLAIN.fullmatch(code) and code[17] == check_character(code[:17]):
        return code
    return validated(
        code, path=path, kind="credit_code", name=FIELD_ZH,
        normalise=normalise_credit_code, problem=credit_code_problem,
    )  # fmt: skip


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with their check character (demo data, tests)."""
    return first17 + check_character(first17)
