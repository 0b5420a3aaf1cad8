"""The smallest change of a case's figures that makes it eligible for a measure, solved jointly.

Conditions are told one at a time what they lack ("还需增加研发投入 ¥250,000.00"), but a
measure's conditions share figures: raising revenue to reach 500万元 also raises the R&D
needed for a 15% ratio. Adding the per-condition gaps side by side can still fail.

This module treats the evaluator as a black box. It proposes the per-condition gaps as one
change, applies it to a copy of the case, re-evaluates, and repeats with the new gaps until
every figure condition holds. Each condition asks for a lower bound on one figure that can
only rise when other figures rise (a threshold, a ratio's numerator, this year's revenue for
a growth rate), so the iteration reaches the least change that passes: every changed figure
is exactly what some condition needs, and one fen less fails it. A proposal the evaluator
does not confirm is found by search on that figure instead, so an odd gap text can make the
answer slower, never wrong.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .case import Case
from .conditions import Condition
from .evaluator import DISCRETIONARY, ELIGIBLE, MeasureEvaluation, evaluate_measure
from .money import MAX_FEN
from .policy import Policy
from .rows import CaseColumns, batch_measure_frame, measure_frame

MAX_ROUNDS = 12
_GAP_AMOUNT = re.compile(r"¥([\d,]+)\.(\d{2})\s*$")


@dataclass(frozen=True)
class FigureChange:
    """One figure raised: `field` names it as in the case JSON (annual.2023.revenue)."""

    column: str  # the measure's column (revenue, rd_expense, total_investment …)
    field: str
    before_fen: int
    after_fen: int

    @property
    def added_fen(self) -> int:
        return self.after_fen - self.before_fen


@dataclass(frozen=True)
class JointGap:
    changes: tuple[FigureChange, ...]
    # labels of conditions figures cannot meet (not a software enterprise, outside the window)
    other: tuple[str, ...] = ()
    # True when the changed case was re-evaluated and is eligible (or left to review)
    verified: bool = False
    changed_case: Case | None = field(default=None, compare=False, repr=False)


# How a measure's money column maps to a case figure. Enterprise measures read the year's
# figures (rows.enterprise_facts); project measures read their project's own fields.
_ANNUAL = {
    "revenue": (0, "revenue"),
    "rd_expense": (0, "rd_expense"),
    "revenue_previous_year": (-1, "revenue"),
}


def _figure_of(cond: Condition) -> str | None:
    """The column a figure condition raises: threshold column, ratio numerator, growth's current."""
    key = cond.key
    if key.startswith("growth:"):
        return key.removeprefix("growth:")
    if "/" in key:
        return key.split("/", 1)[0]
    return key


def _read(case: Case, column: str, project: str | None) -> tuple[str, int] | None:
    """(case field path, value in fen) of a column, or None where it is not a case figure."""
    if project is not None:
        for i, pr in enumerate(case.projects):
            if pr.id == project and column in pr.fields:
                value = pr.fields[column]
                if isinstance(value, int) and not isinstance(value, bool):
                    return f"projects[{i}].{column}", value
                return None
        return None
    if column in _ANNUAL:
        offset, name = _ANNUAL[column]
        year = case.fiscal_year + offset
        return f"annual.{year}.{name}", case.annual.get(year, {}).get(name, 0)
    value = case.enterprise.get(column)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"enterprise.{column}", value
    return None


def _write(case: Case, column: str, project: str | None, fen: int) -> Case:
    """A copy of the case with one figure set; the original is left untouched."""
    out = replace(
        case,
        annual=copy.deepcopy(case.annual),
        projects=list(case.projects),
        enterprise=dict(case.enterprise),
    )
    if project is not None:
        for i, pr in enumerate(out.projects):
            if pr.id == project:
                out.projects[i] = replace(pr, fields={**pr.fields, column: fen})
        return out
    if column in _ANNUAL:
        offset, name = _ANNUAL[column]
        out.annual.setdefault(case.fiscal_year + offset, {})[name] = fen
        return out
    out.enterprise[column] = fen
    return out


def _evaluate(policy: Policy, case: Case, measure_id: str) -> MeasureEvaluation:
    spec = policy.measures[measure_id]
    return evaluate_measure(policy, spec, measure_frame(policy, spec, case), case.as_of)


def _row(ev: MeasureEvaluation, project: str | None) -> int | None:
    projects = ev.frame.text("project")
    for i in range(ev.n):
        if projects[i] == project:
            return i
    return None


def _proposed(cond: Condition, i: int, current: int) -> int | None:
    """The figure the condition's own gap asks for (its amount is the last ¥ figure)."""
    m = _GAP_AMOUNT.search(cond.gap(i) or "")
    if m is None:
        return None
    return current + int(m[1].replace(",", "")) * 100 + int(m[2])


def _least_passing(holds: Callable[[int], bool], low: int) -> int | None:
    """The least value above `low` for which `holds` is true (monotone), by galloping search."""
    step, high = 1, low + 1
    while not holds(high):
        if high >= MAX_FEN:
            return None
        low, step = high, step * 2
        high = min(low + step, MAX_FEN)
    while high - low > 1:
        mid = (low + high) // 2
        if holds(mid):
            high = mid
        else:
            low = mid
    return high


def _condition_holds(
    policy: Policy, case: Case, measure_id: str, project: str | None, key: str, column: str
) -> Callable[[int], bool]:
    def holds(fen: int) -> bool:
        ev = _evaluate(policy, _write(case, column, project, fen), measure_id)
        i = _row(ev, project)
        if i is None:
            return False
        return any(c.key == key and bool(c.passed[i]) for c in ev.outcome.conditions)

    return holds


@dataclass
class GapRequest:
    """One row to solve: a case, a measure, the project the row is about."""

    case: Case
    measure_id: str
    project: str | None = None
    # the case's row in an evaluation already made: saves the first round
    evaluated: tuple[MeasureEvaluation, int] | None = None


class _Solver:
    """The iteration of one request, one evaluation at a time (so many can share a frame)."""

    def __init__(self, policy: Policy, request: GapRequest) -> None:
        self.policy, self.request = policy, request
        self.current = request.case
        self.before: dict[str, tuple[str, int]] = {}
        self.asked: dict[str, str] = {}  # condition key -> its gap text last round
        self.rounds = 0
        self.done = False
        self.answer: JointGap | None = None

    def step(self, ev: MeasureEvaluation, i: int | None) -> None:
        """Read one evaluation of the current case; propose the next change, or finish."""
        req = self.request
        self.rounds += 1
        if i is None or self.rounds > MAX_ROUNDS:
            self.done = True
            return
        failing = [c for c in ev.outcome.conditions if not c.passed[i]]
        # a fact not given is a question for the firm, not a figure to raise: named, not solved
        others: list[str] = [c.label for c in failing if not c.known[i]]
        targets: dict[str, int] = {}
        for cond in failing:
            if not cond.known[i]:
                continue
            column = _figure_of(cond)
            where = _read(self.current, column, req.project) if column else None
            text = cond.gap(i)
            if column is None or where is None or text is None:
                others.append(cond.label)
                continue
            path, value = where
            self.before.setdefault(column, (path, value))
            target = _proposed(cond, i, value)
            if target is None or target <= value or self.asked.get(cond.key) == text:
                # no usable proposal, or the same one failed last round: ask the evaluator
                holds = _condition_holds(
                    self.policy, self.current, req.measure_id, req.project, cond.key, column
                )
                target = _least_passing(holds, value)
            if target is None:
                others.append(cond.label)
                continue
            self.asked[cond.key] = text
            targets[column] = max(target, targets.get(column, 0))
        if not targets:
            self.done = True
            if self.before:
                self.answer = _result(self.before, self.current, req.project, others, ev, i)
            return
        for column, target in targets.items():
            self.current = _write(self.current, column, req.project, target)


def joint_gaps(policy: Policy, requests: list[GapRequest]) -> list[JointGap | None]:
    """Solve many rows at once: each round evaluates every open request of a measure and date
    in one frame, as the engine evaluates a batch of cases (row for row as each alone)."""
    solvers = [_Solver(policy, r) for r in requests]
    for solver in solvers:
        if solver.request.evaluated is not None:
            solver.step(*solver.request.evaluated)
    pending = [s for s in solvers if not s.done]
    while pending:
        groups: dict[tuple[str, dt.date], list[_Solver]] = {}
        for solver in pending:
            key = (solver.request.measure_id, solver.current.as_of)
            groups.setdefault(key, []).append(solver)
        for (measure_id, as_of), members in groups.items():
            spec = policy.measures[measure_id]
            cases = [m.current for m in members]
            shared = [CaseColumns(policy, c) for c in cases]
            frame, spans = batch_measure_frame(policy, spec, cases, shared)
            ev = evaluate_measure(policy, spec, frame, as_of)
            projects = frame.text("project")
            for solver, (a, b) in zip(members, spans, strict=True):
                row = next((k for k in range(a, b) if projects[k] == solver.request.project), None)
                solver.step(ev, row)
        pending = [s for s in solvers if not s.done]
    return [s.answer for s in solvers]


def joint_gap(
    policy: Policy,
    case: Case,
    measure_id: str,
    project: str | None = None,
    evaluated: tuple[MeasureEvaluation, int] | None = None,
) -> JointGap | None:
    """The least joint rise in figures after which the measure's figure conditions all hold.

    None when no figure condition fails. Conditions figures cannot meet, and facts not given,
    are named in `other`; the change is `verified` only when the changed case is eligible.
    """
    return joint_gaps(policy, [GapRequest(case, measure_id, project, evaluated)])[0]


def _result(
    before: dict[str, tuple[str, int]],
    case: Case,
    project: str | None,
    others: list[str],
    ev: MeasureEvaluation,
    i: int,
) -> JointGap:
    changes = []
    for column, (path, old) in before.items():
        where = _read(case, column, project)
        new = where[1] if where else old
        if new != old:
            changes.append(FigureChange(column, path, old, new))
    verified = not others and int(ev.status[i]) in (ELIGIBLE, DISCRETIONARY)
    if not verified and not others and bool(ev.conditions_met[i]):
        # every condition holds, yet nothing is paid: say why, so the change is not oversold
        if bool(ev.zero_amount[i]):
            others.append("按规定计算的金额大于0")
        elif bool(ev.prior_blocks[i]):
            others.append("此前未获本项支持")
        else:
            others.append("不与其他政策的同类支持重复（就高不重复）")
    return JointGap(tuple(changes), tuple(others), verified, case)
