"""Mainland mobile numbers: 11 digits beginning with 1. Full-width digits, spaces, hyphens and a
+86 / 86 prefix are what people type, so they are accepted and normalised away."""

from __future__ import annotations

import re

from .cn_input import normalise_number_text
from .errors import InputError

_MOBILE = re.compile(r"^1\d{10}$")


def normalise_mobile(text: str) -> str:
    t = normalise_number_text(text).replace("-", "")
    if t.startswith("+86"):
        t = t[3:]
    elif t.startswith("86") and len(t) == 13:
        t = t[2:]
    return t


def validate_mobile(text: str, path: str = "phone") -> str:
    """Normalised 11-digit number, or InputError naming `path`."""
    if not isinstance(text, str):
        raise InputError.single(path, "mobile", "手机号码应为字符串")
    norm = normalise_mobile(text)
    if not (norm.isascii() and _MOBILE.match(norm)):
        raise InputError.single(path, "mobile", "手机号码应为以 1 开头的 11 位数字")
    return norm


def mask_mobile(number: str) -> str:
    """138****1234."""
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]
