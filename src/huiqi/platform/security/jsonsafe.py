"""Strict JSON for requests: bounded nesting, finite numbers of sane size, no NUL characters.

Python's json module accepts NaN and Infinity, turns 1e400 into inf (or, with Decimal, into a
400-digit number that later overflows a float, a numpy column or a BIGINT), recurses once per
level of nesting (5,000 levels raise RecursionError), and keeps "\\u0000" inside strings, which
PostgreSQL refuses to store. Each of those used to end as a 500. Here each is a 422 naming the
field, before any handler sees the value.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from huiqi.platform.errors import ApiError

MAX_DEPTH = 64
# Beyond any amount in yuan or fen the platform handles (a BIGINT holds 9.2e18 fen).
MAX_ABS = Decimal(10) ** 15
MAX_INT = 2**63 - 1

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class _Bad:
    """Stands in for a rejected number while parsing; found again by walking the result."""

    __slots__ = ("bound", "rule", "text")

    def __init__(self, rule: str, text: str, bound: str = "") -> None:
        self.rule, self.text, self.bound = rule, text, bound


def nesting_depth(body: bytes) -> int:
    """Deepest nesting of arrays/objects, brackets inside strings not counted."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return 0  # cannot be deeper than the limit: skip the scan (the usual case)
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if m.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _find(value: Any, path: str = "") -> tuple[str, _Bad | str] | None:
    """The first rejected number or NUL-carrying string, with its path."""
    if isinstance(value, _Bad):
        return path or "$", value
    if isinstance(value, str):
        return (path or "$", "nul") if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            if "\x00" in k:
                return _path(path, k.replace("\x00", "\\u0000")), "nul"
            found = _find(v, _path(path, k))
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _find(v, _path(path, i))
            if found:
                return found
    return None


def loads(body: bytes, *, parse_float: Any = Decimal) -> Any:
    """Parse a request body, or raise a 422 ApiError naming the offending field."""
    if nesting_depth(body) > MAX_DEPTH:
        raise ApiError(422, "depth", f"JSON 嵌套不能超过 {MAX_DEPTH} 层", "$")
    flagged = False

    def number(text: str) -> Any:
        nonlocal flagged
        try:
            value = Decimal(text)
        except InvalidOperation:
            flagged = True
            return _Bad("number", text)
        if not value.is_finite() or abs(value) >= MAX_ABS:
            flagged = True
            return _Bad("number_range", text, "绝对值应小于 10^15")
        return value if parse_float is Decimal else parse_float(text)

    def integer(text: str) -> Any:
        nonlocal flagged
        if len(text) > 20 or abs(int(text)) > MAX_INT:
            flagged = True
            return _Bad("number_range", text, "整数应在 64 位范围内")
        return int(text)

    def constant(text: str) -> Any:
        nonlocal flagged
        flagged = True
        return _Bad("number", text)

    try:
        data = json.loads(body, parse_float=number, parse_int=integer, parse_constant=constant)
    except RecursionError:
        raise ApiError(422, "depth", f"JSON 嵌套不能超过 {MAX_DEPTH} 层", "$") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "json_invalid", "请求体不是合法的 JSON", "$") from None
    if flagged or b"\\u0000" in body:
        found = _find(data)
        if found is not None:
            path, what = found
            if what == "nul":
                raise ApiError(422, "nul_character", "不能包含空字符（\\u0000）", path)
            assert isinstance(what, _Bad)
            if what.rule == "number":
                raise ApiError(
                    422, "number", f"应为有限的数值，收到 {what.text}（不接受 NaN/Infinity）", path
                )
            raise ApiError(
                422, "number_range", f"数值 {what.text[:40]} 超出允许范围（{what.bound}）", path
            )
    return data
