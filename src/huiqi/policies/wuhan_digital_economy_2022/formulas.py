"""The formula registry of 武政规〔2022〕6号 and the building blocks its chapters share.

Each chapter module (measures_infrastructure 一, measures_industry 二, measures_transformation
三) binds its formulas to measure IDs with `@measure("2.6.1")`; `measures.FORMULAS` holds
them all. A formula returns the measure's conditions (which explain themselves) and, where
the text fixes the amount, the amount in fen before the cap. Caps, one-time and once-a-year
rules and 就高不重复 are applied by the engine from measures.yaml.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from huiqi.rules.conditions import Condition
from huiqi.rules.frame import Frame
from huiqi.rules.parameters import ParamView
from huiqi.rules.policy import Formula, Outcome
from huiqi.rules.standard import enterprise_standing, fixed_basis, within_window

FORMULAS: dict[str, Formula] = {}
# the reading that limits support to Wuhan's firms: its name is public (--reading
# scope.wuhan_only=false), so the package names it and passes it to the engine's scope test
SCOPE_SWITCH = "scope.wuhan_only"


def measure(measure_id: str) -> Callable[[Formula], Formula]:
    """Bind a formula to its measure ID (functions are named after the legal concept)."""

    def bind(fn: Formula) -> Formula:
        FORMULAS[measure_id] = fn
        return fn

    return bind


def standing(f: Frame, p: ParamView) -> list[Condition]:
    """The firm itself: of Wuhan (under the reading scope.wuhan_only), credit in order."""
    return enterprise_standing(f, p, scope_switch=SCOPE_SWITCH)


def recognised(f: Frame, p: ParamView, *, title: str) -> list[Condition]:
    """The common test of a recognition-based measure: recognised inside the window, and
    the firm itself in standing (of Wuhan, credit in order)."""
    return [
        within_window(
            f, p, column="recognition_date", what=f"{title}认定日期", fact="recognitions[].date"
        ),
        *standing(f, p),
    ]


def dated_project(f: Frame, p: ParamView, *, column: str, what: str) -> list[Condition]:
    """A project measure left to review: its key date inside the window, the firm in
    standing."""
    return [
        within_window(f, p, column=column, what=what, fact=f"projects[].{column}"),
        *standing(f, p),
    ]


def fixed_award(f: Frame, p: ParamView, *, award: str, title: str) -> Outcome:
    """A recognition paid as one fixed sum (一次性奖励) read from the parameter `award`."""
    fen = p.money(award)
    amount = np.full(f.n, fen, dtype=np.int64)
    return Outcome(recognised(f, p, title=title), amount, basis=fixed_basis("一次性奖励", fen))
