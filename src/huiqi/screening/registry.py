"""Full-policy bulk screening: registry tables -> the Frames `rules/rows.py` builds -> the
same `evaluate_measure`, for every measure (enterprise-, recognition- and project-level).

`load_part` (registry_load.py) reads one co-partition of the six tables into exact columns;
`measure_rows` builds, for one measure, the very columns `rows.measure_frame` builds for each
case, stacked: enterprise facts, annual figures of fiscal_year and fiscal_year-1, the best
recognition per project, prior awards per the measure's rule and 就高不重复 bookkeeping —
all with numpy/pyarrow sorts and group-bys.

One deliberate difference: where a case has no fact at all for a measure, `rows.py` adds a
placeholder row whose facts are unknown, so the explanation can name the missing fact. Such
a row is ineligible by construction (every formula requires its source facts), so the bulk
path leaves it out; tests/screening/test_registry.py checks that equivalence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from huiqi.rules.evaluator import (
    OTHER_BEST,
    OTHER_PAID,
    OTHER_POLICY,
    PRIOR_COUNT,
    PRIOR_PAID,
    PROJECT,
    evaluate_measure,
)
from huiqi.rules.frame import Frame, days_to_date
from huiqi.rules.policy import MeasureSpec, Policy

from .registry_load import load_part
from .tables import NO_DATE, BoolArray, Children, IntArray, ObjArray, RegistryPart, pair_keys

__all__ = ["MeasureResult", "MeasureRows", "RowsCache", "evaluate_part", "load_part"]


# -- keys and group-bys ---------------------------------------------------------------------


def _lookup(uniq: IntArray, keys: IntArray) -> tuple[IntArray, BoolArray]:
    pos = np.searchsorted(uniq, keys)
    pos = np.minimum(pos, max(len(uniq) - 1, 0))
    found = (uniq[pos] == keys) if len(uniq) else np.zeros(len(keys), dtype=np.bool_)
    return pos, found


def _first_per_key(key: IntArray, *sort_keys: IntArray) -> IntArray:
    """Index of the first row of each key group, after ordering by sort_keys (last = major)."""
    order = np.lexsort((*sort_keys, key))
    ks = key[order]
    first = np.ones(len(ks), dtype=np.bool_)
    first[1:] = ks[1:] != ks[:-1]
    return order[first]


@dataclass
class MeasureRows:
    """The stacked Frame of one measure, and which case / project each row belongs to."""

    frame: Frame
    case: IntArray
    project: ObjArray


def base_frame(part: RegistryPart, case: IntArray) -> Frame:
    frame = Frame(len(case))
    whole = len(case) == part.n
    for name, (v, kn) in part.facts.items():
        frame.put(name, v if whole else v[case], kn if whole else kn[case])
    return frame


def window_per_row(policy: Policy, as_of_days: IntArray) -> tuple[IntArray, IntArray]:
    """The validity window at each row's as_of (a reform may move window.end)."""
    start = np.zeros(len(as_of_days), dtype=np.int64)
    end = np.zeros(len(as_of_days), dtype=np.int64)
    for d in np.unique(as_of_days):
        when = days_to_date(int(d))
        hit = as_of_days == d
        start[hit] = (policy.parameter_at("window.start", when) - dt.date(1970, 1, 1)).days
        end[hit] = (policy.parameter_at("window.end", when) - dt.date(1970, 1, 1)).days
    return start, end


def measure_rows(policy: Policy, spec: MeasureSpec, part: RegistryPart) -> MeasureRows:
    good = ~part.bad
    src = spec.source
    if src.type == "enterprise":
        case = np.arange(part.n) if not part.bad.any() else np.flatnonzero(good)
        frame = base_frame(part, case)
        project, project_known = np.full(len(case), None, dtype=object), np.zeros(len(case), bool)
    elif src.type == "recognition":
        rc = part.recognitions
        sub = (
            rc.take(np.isin(rc.cols["kind"][0], src.kinds) & good[rc.case]) if len(rc.case) else rc
        )
        key = pair_keys([sub.case], [sub.cols["project"][0]])[0] if len(sub.case) else sub.case
        if len(key) > 1 and not bool((np.diff(key) > 0).all()):
            # several recognitions of one case (and project): keep the best one
            date, date_known = sub.cols["date"]
            if len(part.as_of_values) == 1:  # one claim date: the window is two numbers
                start, end = window_per_row(policy, part.as_of_values)
            else:
                start, end = window_per_row(policy, part.as_of[sub.case])
            in_window = (date_known & (date >= start) & (date <= end)).astype(np.int64)
            kind = sub.cols["kind"][0]
            if src.rank_by_level:
                tier = np.where(sub.cols["level"][1], sub.cols["level"][0], 0)
            else:
                tier = np.zeros(len(kind), dtype=np.int64)
                for k, r in src.rank.items():
                    tier[kind == k] = r
            datekey = np.where(date_known, date, NO_DATE)
            # prefer in-window, then the highest tier, then the latest date; ties: list order
            best = _first_per_key(key, sub.row, -datekey, -tier, -in_window)
            sub = Children(
                sub.case[best],
                sub.row[best],
                {k: (v[best], kn[best]) for k, (v, kn) in sub.cols.items()},
            )
        case = sub.case
        frame = base_frame(part, case)
        if len(case):
            frame.put("recognition_kind", *sub.cols["kind"])
            frame.put("recognition_level", *sub.cols["level"])
            frame.put("recognition_level_name", *sub.cols["level_name"])
            frame.put("recognition_date", *sub.cols["date"])
            project, project_known = sub.cols["project"]
        else:
            project, project_known = np.full(0, None, dtype=object), np.zeros(0, bool)
    else:
        pr = part.projects
        of_kind = np.isin(pr.cols["kind"][0], src.kinds) if len(pr.case) else None
        sub = pr.take(of_kind & good[pr.case]) if of_kind is not None else pr
        case = sub.case
        frame = base_frame(part, case)
        fields = {name for k in src.kinds for name in policy.project_kinds[k].fields}
        for name in sorted(fields):
            if len(case):
                # a field of another kind is ignored, as the case parser ignores it
                v, kn = sub.cols[name]
                owners = [k for k in src.kinds if name in policy.project_kinds[k].fields]
                if len(owners) < len(src.kinds):
                    kn = kn & np.isin(sub.cols["kind"][0], owners)
                frame.put(name, v, kn)
        if len(case):
            frame.put("project_kind", *sub.cols["kind"])
        if len(case):
            project, project_known = sub.cols["id"]
        else:
            project, project_known = np.full(0, None, dtype=object), np.zeros(0, bool)
    _bookkeeping(spec, part, frame, case, project)
    frame.put(PROJECT, project, project_known)
    return MeasureRows(frame, case, project)


def _bookkeeping(
    spec: MeasureSpec, part: RegistryPart, frame: Frame, case: IntArray, project: ObjArray
) -> None:
    """prior_paid / prior_count (the measure's prior rule) and the best other-policy award."""
    n = len(case)
    # Most registries (every flat file) carry no awards and no other-policy awards: then these
    # columns are constants, read-only broadcast views that cost nothing per row.
    paid: IntArray = frame.constant(0, np.int64)
    count: IntArray = frame.constant(0, np.int64)
    aw = part.awards
    if spec.prior != "none" and len(aw.case) and n:
        sel = (aw.cols["measure"][0] == spec.id) & ~part.bad[aw.case]
        if spec.prior == "once_per_fiscal_year":
            fy, fy_known = aw.cols["fiscal_year"]
            sel &= fy_known & (fy == part.fiscal_year[aw.case])
        a_case, a_proj = aw.case[sel], aw.cols["project"][0][sel]
        if spec.prior == "deduct_same_project":
            rows_key, a_key = pair_keys([case, a_case], [project, a_proj])
        else:
            rows_key, a_key = case, a_case
        uniq, inv = np.unique(a_key, return_inverse=True)
        sums = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(sums, inv, aw.cols["amount"][0][sel])
        counts = np.bincount(inv, minlength=len(uniq)).astype(np.int64)
        pos, found = _lookup(uniq, rows_key)
        paid = np.where(found, sums[pos] if len(uniq) else 0, 0)
        count = np.where(found, counts[pos] if len(uniq) else 0, 0)
    best: IntArray = frame.constant(0, np.int64)
    best_known: BoolArray = frame.constant(False, np.bool_)
    name: ObjArray = frame.constant(None, object)
    paid_other: BoolArray = frame.constant(False, np.bool_)
    ot = part.others
    if len(ot.case) and n:
        sel = (ot.cols["measure"][0] == spec.id) & ~part.bad[ot.case]
        amount = ot.cols["amount"][0][sel]
        rows_key, o_key = pair_keys([case, ot.case[sel]], [project, ot.cols["project"][0][sel]])
        top = _first_per_key(o_key, ot.row[sel], -amount)  # max amount, first listed on ties
        uniq = o_key[top]
        pos, found = _lookup(uniq, rows_key)
        if len(uniq):
            best = np.where(found, amount[top][pos], 0)
            best_known = found
            name = np.where(found, ot.cols["policy"][0][sel][top][pos], np.array(None))
            paid_other = found & ot.cols["paid"][0][sel][top][pos]
    ones = frame.constant(True, np.bool_)
    frame.put(PRIOR_PAID, np.asarray(paid, dtype=np.int64), ones)
    frame.put(PRIOR_COUNT, np.asarray(count, dtype=np.int64), ones)
    frame.put(OTHER_BEST, np.asarray(best, dtype=np.int64), best_known)
    frame.put(OTHER_POLICY, name, best_known)
    frame.put(OTHER_PAID, paid_other, best_known)


def take_frame(frame: Frame, idx: IntArray) -> Frame:
    out = Frame(len(idx))
    for name, v in frame.values.items():
        mask = frame.known_masks.get(name)
        out.put(name, v[idx], None if mask is None else mask[idx])
    return out


@dataclass
class MeasureResult:
    measure: str
    case: IntArray
    project: ObjArray
    status: IntArray
    amount: IntArray  # fen
    rows: MeasureRows | None = None  # the frame evaluated (for reuse under a reform)
    spec: MeasureSpec | None = None
    formula: Any = None
    # (claim date, parameter, value) of every parameter the evaluation read
    params: tuple[tuple[dt.date, str, Any], ...] = ()

    def holds_under(self, policy: Policy, spec: MeasureSpec, rows: MeasureRows) -> bool:
        """True when evaluating `spec` over `rows` under `policy` must give this result
        again: same frame, same measure and formula, and every parameter this evaluation
        read has the same value under `policy` on the same claim date. The evaluation is a
        pure function of exactly those inputs, so reusing it is exact, not an estimate."""
        return (
            rows is self.rows
            and spec == self.spec
            and policy.formulas.get(spec.id) is self.formula
            and all(policy.parameter_at(name, when) == value for when, name, value in self.params)
        )


def evaluate_rows(
    policy: Policy, spec: MeasureSpec, rows: MeasureRows, part: RegistryPart
) -> MeasureResult:
    """The engine's evaluate_measure, once per distinct as_of (parameters are dated)."""
    n = rows.frame.n
    status = np.zeros(n, dtype=np.int64)
    amount = np.zeros(n, dtype=np.int64)
    params: list[tuple[dt.date, str, Any]] = []
    if n and len(part.as_of_values) == 1:
        when = days_to_date(int(part.as_of_values[0]))
        ev = evaluate_measure(policy, spec, rows.frame, when)
        status, amount = ev.status, ev.amount
        params += [(when, u.name, u.value) for u in ev.params_used]
    elif n:
        days = part.as_of[rows.case]
        for d in np.unique(days):
            idx = np.flatnonzero(days == d)
            when = days_to_date(int(d))
            ev = evaluate_measure(policy, spec, take_frame(rows.frame, idx), when)
            status[idx], amount[idx] = ev.status, ev.amount
            params += [(when, u.name, u.value) for u in ev.params_used]
    return MeasureResult(
        spec.id, rows.case, rows.project, status, amount, rows, spec,
        policy.formulas[spec.id], tuple(params),
    )  # fmt: skip


class RowsCache:
    """Frames depend on the policy only through the validity window (which recognition
    counts): a reform that keeps the window reuses the baseline's frames."""

    def __init__(self, part: RegistryPart) -> None:
        self.part = part
        self._cache: dict[tuple[Any, ...], MeasureRows] = {}

    def get(self, policy: Policy, spec: MeasureSpec) -> MeasureRows:
        key: tuple[Any, ...] = (spec.id,)
        if spec.source.type == "recognition":
            days = self.part.as_of_values
            key += tuple(
                (policy.parameter_at("window.start", days_to_date(int(d))),
                 policy.parameter_at("window.end", days_to_date(int(d))))
                for d in days
            )  # fmt: skip
        if key not in self._cache:
            self._cache[key] = measure_rows(policy, spec, self.part)
        return self._cache[key]


def evaluate_part(
    policy: Policy,
    part: RegistryPart,
    cache: RowsCache | None = None,
    reuse: list[MeasureResult] | None = None,
) -> list[MeasureResult]:
    """Every measure of `policy` over the part. `reuse`: results of another policy (the
    baseline) over the same cache; a measure whose inputs a reform leaves unchanged is not
    evaluated again (see MeasureResult.holds_under)."""
    cache = cache or RowsCache(part)
    earlier = {r.measure: r for r in reuse or []}
    out = []
    for spec in policy.measures.values():
        rows = cache.get(policy, spec)
        prior = earlier.get(spec.id)
        if prior is not None and prior.holds_under(policy, spec, rows):
            out.append(prior)
        else:
            out.append(evaluate_rows(policy, spec, rows, part))
    return out
