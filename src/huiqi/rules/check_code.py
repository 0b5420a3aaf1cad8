"""What the 18-character national codes with a check character share (统一社会信用代码,
GB 32100; 居民身份证号码, GB 11643): the reasons for a wrong length or check character, and
validation into the normalised code or an InputError naming the field."""

from __future__ import annotations

from collections.abc import Callable

from .errors import InputError

LENGTH = 18


def length_problem(name: str, code: str) -> str | None:
    if len(code) == LENGTH:
        return None
    return f"{name}应为 {LENGTH} 位，收到 {len(code)} 位"


def check_problem(name: str, code: str, expected: str, standard: str) -> str | None:
    if code[-1] == expected:
        return None
    return f"{name}校验位错误：第 {LENGTH} 位应为 {expected}，实为 {code[-1]}（{standard}）"


def validated(
    value: object,
    *,
    path: str,
    kind: str,
    name: str,
    normalise: Callable[[str], str],
    problem: Callable[[str], str | None],
) -> str:
    """The normalised code, or InputError(kind) at `path` with the reason."""
    if not isinstance(value, str):
        raise InputError.single(path, kind, f"{name}应为字符串")
    code = normalise(value)
    reason = problem(code)
    if reason:
        raise InputError.single(path, kind, reason)
    return code
