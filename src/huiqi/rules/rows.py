"""Turn one case into a Frame per measure: the single-case adapter to the columnar engine.

Bulk screening builds the same columns from Parquet; both then run the same formulas.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .case import Case, Recognition
from .evaluator import OTHER_BEST, OTHER_PAID, OTHER_POLICY, PRIOR_COUNT, PRIOR_PAID, PROJECT
from .frame import Frame
from .policy import MeasureSpec, Policy

BOOKKEEPING_KINDS = {
    PROJECT: "text",
    PRIOR_PAID: "money",
    PRIOR_COUNT: "integer",
    OTHER_BEST: "money",
    OTHER_POLICY: "text",
    OTHER_PAID: "flag",
}
RECOGNITION_KINDS = {
    "recognition_kind": "text",
    "recognition_level": "integer",
    "recognition_level_name": "text",
    "recognition_date": "date",
}


def enterprise_facts(policy: Policy, case: Case) -> dict[str, Any]:
    """The enterprise-level columns every measure's rows carry."""
    facts: dict[str, Any] = {k: case.enterprise.get(k) for k in policy.enterprise_fields}
    this_year = case.annual.get(case.fiscal_year, {})
    last_year = case.annual.get(case.fiscal_year - 1, {})
    facts["revenue"] = this_year.get("revenue")
    facts["rd_expense"] = this_year.get("rd_expense")
    facts["revenue_previous_year"] = last_year.get("revenue")
    facts["as_of"] = case.as_of
    facts["fiscal_year"] = case.fiscal_year
    facts["credit_division"] = credit_division(case.enterprise.get("credit_code"))
    return facts


def credit_division(code: Any) -> int | None:
    """The registration authority's administrative division (characters 3–8 of a unified
    social credit code, GB 32100-2015), e.g. 420106 for 武昌区; None without a code."""
    if not isinstance(code, str) or len(code) < 8 or not code[2:8].isdigit():
        return None
    return int(code[2:8])


def enterprise_kinds(policy: Policy) -> dict[str, str]:
    kinds = dict(policy.enterprise_fields)
    kinds.update(
        revenue="money",
        rd_expense="money",
        revenue_previous_year="money",
        as_of="date",
        fiscal_year="integer",
        credit_division="integer",
    )
    return kinds


def _level_ordinal(policy: Policy, r: Recognition) -> int | None:
    kind = policy.recognition_kinds[r.kind]
    if r.level is None:
        return None
    if isinstance(r.level, int):
        return r.level
    return kind.levels.index(r.level) + 1


def _best_recognitions(
    policy: Policy, spec: MeasureSpec, case: Case
) -> dict[str | None, Recognition]:
    """Per project (None = the enterprise), the recognition that counts.

    Prefer one dated inside the window, then the highest tier, then the latest date: an
    upgrade (DCMM 3 -> 4) is paid on the higher level, less what was paid before.
    """
    start = policy.parameter_at("window.start", case.as_of)
    end = policy.parameter_at("window.end", case.as_of)
    best: dict[str | None, tuple[tuple[int, int, dt.date], Recognition]] = {}
    for r in case.recognitions:
        if r.kind not in spec.source.kinds:
            continue
        in_window = int(r.date is not None and start <= r.date <= end)
        tier = (
            (_level_ordinal(policy, r) or 0)
            if spec.source.rank_by_level
            else spec.source.rank.get(r.kind, 0)
        )
        key = (in_window, tier, r.date or dt.date.min)
        if r.project not in best or key > best[r.project][0]:
            best[r.project] = (key, r)
    return {p: r for p, (_, r) in best.items()}


RECOGNITION_NOTES = "recognition_notes"  # what became of each recognition of a row's project


def _recognition_notes(
    policy: Policy, spec: MeasureSpec, case: Case, project: str | None, chosen: Recognition
) -> str | None:
    """Every recognition of one project for this measure and what became of it, so that
    nothing is dropped silently; None where the project has just the one."""
    same = [r for r in case.recognitions if r.kind in spec.source.kinds and r.project == project]
    if len(same) < 2 and not (project is None and spec.level == "project"):
        return None
    start = policy.parameter_at("window.start", case.as_of)
    end = policy.parameter_at("window.end", case.as_of)
    parts = []
    for r in same:
        title = policy.recognition_kinds[r.kind].title
        level = policy.recognition_kinds[r.kind].level_names.get(r.level, "")
        day = r.date.isoformat() if r.date else "日期未填"
        if r is chosen:
            fate = "按此认定计算"
        elif r.date is None or not start <= r.date <= end:
            fate = "不在政策有效期内，不计"
        else:
            fate = "同一项目按最高等级计，此项不另计"
        parts.append(f"{title}{level}（{day}）：{fate}")
    where = "未注明 project 的认定视为同一工厂/项目；" if project is None else f"项目 {project}："
    return where + "；".join(parts)


def _bookkeeping(spec: MeasureSpec, case: Case, project: str | None) -> dict[str, Any]:
    paid = [
        a
        for a in case.prior_awards
        if a.measure == spec.id
        and (
            spec.prior == "deduct_measure_total"
            or (spec.prior == "deduct_same_project" and a.project == project)
            or (spec.prior == "once_per_fiscal_year" and a.fiscal_year == case.fiscal_year)
        )
    ]
    others = [o for o in case.other_policy_awards if o.measure == spec.id and o.project == project]
    top = max(others, key=lambda o: o.amount_fen) if others else None
    return {
        PROJECT: project,
        PRIOR_PAID: sum(a.amount_fen for a in paid),
        PRIOR_COUNT: len(paid),
        OTHER_BEST: top.amount_fen if top else None,
        OTHER_POLICY: top.policy if top else None,
        OTHER_PAID: top.status == "paid" if top else None,
    }


class CaseColumns:
    """What every measure's frame of one case shares: the enterprise facts and their columns."""

    def __init__(self, policy: Policy, case: Case) -> None:
        self.facts = enterprise_facts(policy, case)
        self.kinds = {**enterprise_kinds(policy), **BOOKKEEPING_KINDS}
        self.cache: dict[tuple[str, int], Any] = {}


def _measure_records(
    policy: Policy, spec: MeasureSpec, case: Case, base_kinds: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows one case gives a measure (its recognitions, projects or the enterprise)."""
    kinds = dict(base_kinds)
    records: list[dict[str, Any]] = []
    if spec.source.type == "enterprise":
        records.append(_bookkeeping(spec, case, None))
    elif spec.source.type == "recognition":
        kinds.update(RECOGNITION_KINDS)
        kinds[RECOGNITION_NOTES] = "text"
        for project, r in _best_recognitions(policy, spec, case).items():
            kind = policy.recognition_kinds[r.kind]
            records.append(
                {
                    "recognition_kind": r.kind,
                    "recognition_level": _level_ordinal(policy, r),
                    "recognition_level_name": kind.level_names.get(r.level)
                    if r.level is not None
                    else None,
                    "recognition_date": r.date,
                    RECOGNITION_NOTES: _recognition_notes(policy, spec, case, project, r),
                    **_bookkeeping(spec, case, project),
                }
            )
    else:
        for project_kind in spec.source.kinds:
            kinds.update(policy.project_kinds[project_kind].fields)
        kinds["project_kind"] = "text"
        for pr in case.projects:
            if pr.kind in spec.source.kinds:
                records.append(
                    {**pr.fields, "project_kind": pr.kind, **_bookkeeping(spec, case, pr.id)}
                )
    if not records:
        # no relevant fact at all: one row whose source facts are unknown, so the measure is
        # reported ineligible with the missing fact named, rather than silently absent
        records.append(_bookkeeping(spec, case, None))
    return records, kinds


def measure_frame(
    policy: Policy, spec: MeasureSpec, case: Case, shared: CaseColumns | None = None
) -> Frame:
    shared = shared or CaseColumns(policy, case)
    records, kinds = _measure_records(policy, spec, case, shared.kinds)
    return Frame.from_records(records, kinds, shared.facts, shared.cache)


def batch_measure_frame(
    policy: Policy, spec: MeasureSpec, cases: list[Case], shared: list[CaseColumns]
) -> tuple[Frame, list[tuple[int, int]]]:
    """One frame holding the rows of many cases for one measure, and each case's row span.

    Each row gets exactly what the single path gives it: its case's enterprise facts, except
    a fact some record of that case also names, which then comes from the records alone
    (Frame's rule for constants), so a batch answers row for row as one case at a time.
    """
    rows: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    kinds: dict[str, str] = {}
    for case, cols in zip(cases, shared, strict=True):
        records, kinds = _measure_records(policy, spec, case, cols.kinds)
        named = frozenset().union(*records)
        facts = {k: v for k, v in cols.facts.items() if k not in named}
        spans.append((len(rows), len(rows) + len(records)))
        rows.extend({**facts, **r} for r in records)
    return Frame.from_records(rows, kinds), spans
