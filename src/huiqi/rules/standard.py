"""Building blocks every policy package can use: the validity window, credit, percentages.

They read parameters by conventional names (window.start, window.end, credit.*,
interpretation.rounding) so a package gets them by declaring those parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np

from .conditions import Condition, date_between, format_rate
from .frame import Frame, IntArray, add_years, days_to_date
from .money import format_yuan, percent_half_up
from .parameters import ParamView

BasisFn = Callable[[int], str]


def within_window(f: Frame, p: ParamView, column: str, what: str, fact: str) -> Condition:
    start, end = p.date("window.start"), p.date("window.end")
    return date_between(f, column, start, end, f"{what}在政策有效期内", what, fact)


def percent(fen: IntArray, rate: Fraction, p: ParamView) -> IntArray:
    """rate x fen to the fen, by the package's rounding reading (half_up by default)."""
    mode = p.get("interpretation.rounding")
    if mode == "half_up":
        return percent_half_up(fen, rate)
    if mode == "down":
        return (fen * rate.numerator) // rate.denominator
    raise ValueError(f"interpretation.rounding: unsupported mode {mode!r}")


def credit_in_good_standing(f: Frame, p: ParamView) -> Condition:
    """Not on the serious-discredit list, no administrative penalty in the look-back period.

    Unknown credit facts pass: the calculator must work before a firm is identified; the
    platform fills these facts from the credit registry before any decision.
    """
    block = p.flag("credit.block_serious_discredit")
    months = p.integer("credit.penalty_lookback_months")
    if block and f.has("serious_discredit"):
        discredit = f.flag("serious_discredit") & f.known("serious_discredit")
    else:
        discredit = f.constant(False, np.bool_)
    penalty_known = f.known("last_penalty_date")
    if months > 0 and f.has("last_penalty_date") and bool(penalty_known.any()):
        # look-back in whole years on the calendar, remaining months as 30 days each
        lookback_start = add_years(f.date("as_of"), -(months // 12)) - (months % 12) * 30
        recent_penalty = penalty_known & (f.date("last_penalty_date") >= lookback_start)
    else:
        recent_penalty = f.constant(False, np.bool_)
    passed = ~(discredit | recent_penalty)
    known = f.constant(True, np.bool_)

    def detail(i: int) -> str:
        if discredit[i]:
            return "企业列入严重失信主体名单，不予支持"
        if recent_penalty[i]:
            day = days_to_date(int(f.date("last_penalty_date")[i])).isoformat()
            return f"企业于 {day} 受过行政处罚，在申报日前 {months} 个月内，不予支持"
        return "信用状况良好（未列入严重失信名单，近期无行政处罚）"

    return Condition(
        "credit", "信用状况良好", passed, known, "enterprise.serious_discredit", detail
    )


def percent_basis(label: str, rate: Fraction, base: IntArray, raw: IntArray) -> BasisFn:
    def basis(i: int) -> str:
        shown_base, shown_raw = format_yuan(int(base[i])), format_yuan(int(raw[i]))
        return f"{format_rate(rate)} × {label} {shown_base} = {shown_raw}"

    return basis


def fixed_basis(text: str, amount: int | IntArray) -> BasisFn:
    def basis(i: int) -> str:
        value = int(amount) if isinstance(amount, int) else int(amount[i])
        return f"{text} {format_yuan(value)}"

    return basis
