"""Vectorised conditions that can explain themselves, row by row, in Chinese.

A condition is evaluated once over a whole column (the hot path). Its `detail` and `gap`
closures are only called for the rows a person asks about, so bulk screening pays nothing
for explanations.

Every condition is called with keyword arguments, so a formula reads like the clause:

    at_least(f, column="revenue", threshold_fen=p.money("m2_6_1.revenue_threshold"),
             label="年营业收入500万元及以上", what="年营业收入",
             fact="annual[fiscal_year].revenue")

- `column`: the frame column the condition tests;
- `label`: the requirement as the text states it, shown as the line's title;
- `what`: the figure's name in the sentence that explains a row ("年营业收入 ¥… ≥ ¥…");
- `fact`: the case field(s) a person fills in, named as in the case JSON, shown when missing;
- `value_names`: how coded values read in Chinese ({"municipal": "市级"}).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from .frame import BoolArray, Frame, IntArray, date_to_days, days_to_date, is_broadcast
from .money import format_yuan


def _no_gap(_: int) -> str | None:
    return None


@dataclass
class Condition:
    key: str  # stable machine name
    label: str  # the requirement in Chinese, e.g. "年营业收入 500 万元及以上"
    passed: BoolArray  # False where a fact is unknown
    known: BoolArray
    fact: str  # the input field(s) this reads, named as in the case JSON
    detail: Callable[[int], str]  # the figures for row i
    gap: Callable[[int], str | None] = _no_gap  # how far row i is from passing

    def explain(self, i: int) -> str:
        if not self.known[i]:
            return f"缺少事实：{self.fact}（{self.label}）"
        return self.detail(i)


@lru_cache(maxsize=1024)  # a policy has a handful of rates, shown in every explanation
def format_rate(rate: Fraction) -> str:
    pct = rate * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    return f"{float(pct):g}%"


def _ratio_text(num: int, den: int, threshold: Fraction, passed: bool) -> str:
    """Ratio as a percentage, rounded *down* so a failing ratio never reads as the threshold."""
    for places in (1, 2, 4):
        scale = 10**places
        floored = Fraction(num * 100 * scale // den, scale)
        if passed or floored < threshold * 100 or places == 4:
            return f"{float(floored):.{places}f}%"
    raise AssertionError("unreachable")


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def flag(f: Frame, *, column: str, label: str, fact: str) -> Condition:
    """A yes/no fact that must be yes (属于软件企业, 新引进项目)."""
    known = f.known(column)
    values = f.flag(column)
    passed = known & values

    def detail(i: int) -> str:
        return f"{label}：{'是' if values[i] else '否'}"

    return Condition(column, label, passed, known, fact, detail)


def at_least(
    f: Frame,
    *,
    column: str,
    threshold_fen: int,
    label: str,
    what: str,
    fact: str,
    strict: bool = False,
) -> Condition:
    """Money column >= threshold (及以上, 达到), or > with strict."""
    known = f.known(column)
    v = f.money(column)
    passed = known & ((v > threshold_fen) if strict else (v >= threshold_fen))
    op_ok, op_bad = (">", "不高于") if strict else ("≥", "低于")

    def detail(i: int) -> str:
        if passed[i]:
            return f"{what} {format_yuan(int(v[i]))} {op_ok} {format_yuan(threshold_fen)}"
        return f"{what} {format_yuan(int(v[i]))}，{op_bad} {format_yuan(threshold_fen)}"

    def gap(i: int) -> str | None:
        if passed[i] or not known[i]:
            return None
        need = threshold_fen - int(v[i]) + (1 if strict else 0)
        return f"还需增加{what} {format_yuan(need)}"

    return Condition(column, label, passed, known, fact, detail, gap)


def ratio_at_least(
    f: Frame,
    *,
    numerator: str,
    denominator: str,
    threshold: Fraction,
    label: str,
    ratio_what: str,
    numerator_what: str,
    fact: str,
) -> Condition:
    """numerator / denominator >= threshold, exactly: num * d >= den * n, den > 0."""
    known = f.known(numerator) & f.known(denominator)
    num, den = f.money(numerator), f.money(denominator)
    n, d = threshold.numerator, threshold.denominator
    passed = known & (den > 0) & (num * d >= den * n)

    def detail(i: int) -> str:
        a, b = int(num[i]), int(den[i])
        if b <= 0:
            return f"{ratio_what}无法计算（分母为 0）"
        text = _ratio_text(a, b, threshold, bool(passed[i]))
        op = " ≥" if passed[i] else "，低于"
        return f"{ratio_what} {text}{op} {format_rate(threshold)}"

    def gap(i: int) -> str | None:
        if passed[i] or not known[i] or den[i] <= 0:
            return None
        need = _ceil_div(int(den[i]) * n, d) - int(num[i])
        return f"还需增加{numerator_what} {format_yuan(need)}"

    return Condition(f"{numerator}/{denominator}", label, passed, known, fact, detail, gap)


def growth_at_least(
    f: Frame,
    *,
    current: str,
    previous: str,
    threshold: Fraction,
    label: str,
    what: str,
    fact: str,
) -> Condition:
    """(current - previous) / previous >= threshold, previous > 0, exactly in integers."""
    known = f.known(current) & f.known(previous)
    cur, prev = f.money(current), f.money(previous)
    n, d = threshold.numerator, threshold.denominator
    passed = known & (prev > 0) & ((cur - prev) * d >= prev * n)

    def detail(i: int) -> str:
        c, p = int(cur[i]), int(prev[i])
        if p <= 0:
            return f"上年{what}为 {format_yuan(p)}，无法计算增速"
        growth = Fraction(c - p, p)
        shown = (
            _ratio_text(c - p, p, threshold, bool(passed[i]))
            if c >= p
            else (f"{float(growth * 100):.1f}%")
        )
        op = " ≥" if passed[i] else "，低于"
        change = f"（{format_yuan(p)} → {format_yuan(c)}）"
        return f"{what}增速 {shown}{change}{op} {format_rate(threshold)}"

    def gap(i: int) -> str | None:
        if passed[i] or not known[i] or prev[i] <= 0:
            return None
        p = int(prev[i])
        need = p + _ceil_div(p * n, d) - int(cur[i])
        return f"还需增加{what} {format_yuan(need)}"

    return Condition(f"growth:{current}", label, passed, known, fact, detail, gap)


def date_between(
    f: Frame,
    *,
    column: str,
    start: dt.date,
    end: dt.date,
    label: str,
    what: str,
    fact: str,
) -> Condition:
    """start <= date <= end, both inclusive."""
    v = f.date(column)
    span = f"政策有效期 {start.isoformat()} 至 {end.isoformat()} "

    def shown(i: int) -> str:
        return days_to_date(int(v[i])).isoformat()

    return _between(
        f, column, v, date_to_days(start), date_to_days(end), label, fact, f"{what} ", shown, span
    )


def _between(
    f: Frame,
    column: str,
    v: IntArray,
    lo: int,
    hi: int,
    label: str,
    fact: str,
    what: str,
    shown: Callable[[int], str],
    span: str,
) -> Condition:
    """lo <= v <= hi, both inclusive, for a known value; the reason reads
    "<what><value> 在/不在<span>内"."""
    known = f.known(column)
    if is_broadcast(v) and is_broadcast(known):
        # a bulk constant (as_of): decide once, broadcast the answer
        one = known[:1] & (v[:1] >= lo) & (v[:1] <= hi)
        passed = np.broadcast_to(one, (f.n,))
    else:
        passed = known & (v >= lo) & (v <= hi)

    def detail(i: int) -> str:
        return f"{what}{shown(i)} {'在' if passed[i] else '不在'}{span}内"

    return Condition(column, label, passed, known, fact, detail)


def date_not_after(
    f: Frame,
    *,
    column: str,
    latest: IntArray,
    latest_known: BoolArray,
    label: str,
    what: str,
    latest_what: str,
    fact: str,
) -> Condition:
    """The date is on or before `latest` (a per-row day number, e.g. start + N years)."""
    known = f.known(column) & latest_known
    v = f.date(column)
    passed = known & (v <= latest)

    def detail(i: int) -> str:
        day, lim = days_to_date(int(v[i])).isoformat(), days_to_date(int(latest[i])).isoformat()
        return f"{what} {day} {'不晚于' if passed[i] else '晚于'}{latest_what} {lim}"

    return Condition(column, label, passed, known, fact, detail)


def integer_equals(
    f: Frame, *, column: str, expected: IntArray, label: str, what: str, fact: str
) -> Condition:
    """An integer fact equals a per-row expected value (the fiscal year before the claim)."""
    known = f.known(column)
    v = f.integer(column)
    if is_broadcast(v) and is_broadcast(known) and is_broadcast(expected):
        passed = np.broadcast_to(known[:1] & (v[:1] == expected[:1]), (f.n,))
    else:
        passed = known & (v == expected)

    def detail(i: int) -> str:
        return f"{what} {int(v[i])}{'，符合' if passed[i] else '，应为 ' + str(int(expected[i]))}"

    return Condition(column, label, passed, known, fact, detail)


def one_of(
    f: Frame,
    *,
    column: str,
    allowed: tuple[int, ...] | tuple[str, ...],
    label: str,
    what: str,
    fact: str,
    value_names: dict[Any, str] | None = None,
) -> Condition:
    """The column's value is one of `allowed` (levels, kinds, enterprise sizes)."""
    known = f.known(column)
    numeric = all(isinstance(a, int) for a in allowed)
    v = f.integer(column) if numeric else f.text(column)
    # a few equality tests beat np.isin's sort on both one row and ten million
    member = np.zeros(f.n, dtype=np.bool_)
    for a in allowed:
        member |= v == a
    passed = known & member
    shown_names = value_names or {}

    def detail(i: int) -> str:
        value = int(v[i]) if numeric else v[i]
        return f"{what}：{shown_names.get(value, str(value))}{'' if passed[i] else '（不符合）'}"

    return Condition(column, label, passed, known, fact, detail)


def required(f: Frame, *, column: str, what: str, fact: str) -> Condition:
    """The fact must be given (any amount, zero included): an input the formula needs,
    stated as such rather than as a trivial `>= 0` threshold."""
    known = f.known(column)
    v = f.money(column)

    def detail(i: int) -> str:
        return f"已填写{what}：{format_yuan(int(v[i]))}"

    return Condition(column, f"需填写{what}", known, known, fact, detail)


def positive_amount(
    *, values: IntArray, known: BoolArray, label: str, what: str, fact: str
) -> Condition:
    """A computed amount (not one column) greater than zero."""
    passed = known & (values > 0)

    def detail(i: int) -> str:
        shown = format_yuan(int(values[i]))
        return f"{what} {shown}" + ("" if passed[i] else "，应大于 0")

    return Condition(fact, label, passed, known, fact, detail)


def integer_between(
    f: Frame, *, column: str, low: int, high: int, label: str, what: str, fact: str
) -> Condition:
    """low <= value <= high (a fiscal year inside a span of years)."""
    v = f.integer(column)

    def shown(i: int) -> str:
        return str(int(v[i]))

    return _between(f, column, v, low, high, label, fact, f"{what} ", shown, f" {low}–{high} ")


def dates_overlap(
    f: Frame,
    *,
    start_column: str,
    end_column: str,
    start: dt.date,
    end: dt.date,
    label: str,
    what: str,
    fact: str,
) -> Condition:
    """The period [start_column, end_column] shares at least one day with [start, end]."""
    known = f.known(start_column) & f.known(end_column)
    a, b = f.date(start_column), f.date(end_column)
    lo, hi = date_to_days(start), date_to_days(end)
    passed = known & (a <= hi) & (b >= lo)

    def detail(i: int) -> str:
        period = f"{days_to_date(int(a[i])).isoformat()} 至 {days_to_date(int(b[i])).isoformat()}"
        where = "与" if passed[i] else "不与"
        return f"{what} {period} {where}政策有效期 {start.isoformat()} 至 {end.isoformat()} 重叠"

    return Condition(f"{start_column}/{end_column}", label, passed, known, fact, detail)


def one_of_if_given(
    f: Frame,
    *,
    column: str,
    allowed: tuple[str, ...],
    label: str,
    what: str,
    fact: str,
    value_names: dict[Any, str] | None = None,
) -> Condition:
    """Like one_of, but a value not given passes (an optional refinement of a fact)."""
    given = f.known(column)
    inner = one_of(
        f,
        column=column,
        allowed=allowed,
        label=label,
        what=what,
        fact=fact,
        value_names=value_names,
    )
    passed = ~given | inner.passed
    known = f.constant(True, np.bool_)

    def detail(i: int) -> str:
        return inner.detail(i) if given[i] else f"未填写{what}"

    return Condition(column, label, passed, known, fact, detail)
