"""The core's public entry points: one case in, result JSON or Chinese text out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .case import Case, parse_case
from .errors import InputError
from .evaluator import MeasureEvaluation, evaluate_measure
from .explain import explain_text, explained_result, explained_results
from .policy import Policy
from .result import CaseEvaluation
from .rows import CaseColumns, batch_measure_frame, measure_frame


def evaluate_case(
    policy: Policy, case: Case, measure_ids: list[str] | None = None
) -> CaseEvaluation:
    ids = measure_ids if measure_ids is not None else list(policy.measures)
    base, policy = policy, policy.with_readings(case.readings)
    shared = CaseColumns(policy, case)
    evaluations = [
        evaluate_measure(
            policy,
            policy.measures[mid],
            measure_frame(policy, policy.measures[mid], case, shared),
            case.as_of,
        )
        for mid in ids
    ]
    return CaseEvaluation(
        policy,
        case.as_of,
        case.fiscal_year,
        case.enterprise,
        evaluations,
        readings=policy.reading_changes(base),
    )


def evaluate_cases(
    policy: Policy, cases: Sequence[Case], measure_ids: list[str] | None = None
) -> list[CaseEvaluation]:
    """Many cases at once, one frame per measure and date: what a busy calculator does.

    The per-measure cost of a single case (formula, conditions, a few dozen numpy calls) is
    mostly fixed, so cases that arrive together share it. Each case's answer is the one
    `evaluate_case` gives it alone (tested row for row); cases with different dates go in
    different frames, because parameters are read at the case's date.
    """
    ids = measure_ids if measure_ids is not None else list(policy.measures)
    out: dict[int, CaseEvaluation] = {}
    # parameters are read at the case's date and under its readings: group by both
    by_date: dict[tuple[dt.date, tuple[tuple[str, str], ...]], list[int]] = {}
    for k, case in enumerate(cases):
        key = tuple(sorted((n, repr(v)) for n, v in case.readings.items()))
        by_date.setdefault((case.as_of, key), []).append(k)
    base = policy
    for members in by_date.values():
        policy = base.with_readings(cases[members[0]].readings)
        if len(members) == 1:  # alone on its date: the single path, with its shared columns
            out[members[0]] = evaluate_case(base, cases[members[0]], measure_ids)
            continue
        group = [cases[k] for k in members]
        shared = [CaseColumns(policy, c) for c in group]
        per_case: list[tuple[list[MeasureEvaluation], list[tuple[int, int]]]] = [
            ([], []) for _ in group
        ]
        for mid in ids:
            spec = policy.measures[mid]
            frame, spans = batch_measure_frame(policy, spec, group, shared)
            ev = evaluate_measure(policy, spec, frame, group[0].as_of)
            for (evs, case_spans), span in zip(per_case, spans, strict=True):
                evs.append(ev)
                case_spans.append(span)
        for k, c, (evs, case_spans) in zip(members, group, per_case, strict=True):
            out[k] = CaseEvaluation(
                policy,
                c.as_of,
                c.fiscal_year,
                c.enterprise,
                evs,
                spans=case_spans,
                readings=policy.reading_changes(base),
            )
    return [out[k] for k in range(len(cases))]


def select_measures(policy: Policy, measure_ids: list[str] | None) -> list[str] | None:
    """Validate a subset of measures to evaluate (None = all), in the policy's order."""
    if not measure_ids:
        return None
    unknown = [m for m in measure_ids if m not in policy.measures]
    if unknown:
        raise InputError.single(
            "measures", "unknown_measure",
            f"未知措施编号 {', '.join(unknown)}；可用：{', '.join(policy.measures)}",
        )  # fmt: skip
    return [m for m in policy.measures if m in measure_ids]


def evaluate_case_json(
    policy: Policy, raw: Any, measure_ids: list[str] | None = None
) -> dict[str, Any]:
    """Parsed JSON case -> result JSON. Raises InputError (with field paths) on bad input.

    measure_ids restricts the result to some measures (a calculator for one clause).
    """
    ids = select_measures(policy, measure_ids)
    case = parse_case(raw, policy)
    return explained_result(evaluate_case(policy, case, ids), case)


def evaluate_cases_json(
    policy: Policy, raws: Sequence[Any], measure_ids: list[str] | None = None
) -> list[dict[str, Any] | InputError]:
    """Many parsed JSON cases -> for each, its result JSON or its own InputError.

    A bad case fails alone: the others are still evaluated (together). The answers are for
    serialising: their rows share the cached dicts of the parameters they cite.
    """
    ids = select_measures(policy, measure_ids)
    parsed: list[Case | InputError] = []
    for raw in raws:
        try:
            parsed.append(parse_case(raw, policy))
        except InputError as e:
            parsed.append(e)
    good = [c for c in parsed if isinstance(c, Case)]
    pairs: list[tuple[CaseEvaluation, Case | None]] = list(
        zip(evaluate_cases(policy, good, ids), good, strict=True)
    )
    results = iter(explained_results(pairs, shared_citations=True))
    return [p if isinstance(p, InputError) else next(results) for p in parsed]


def explain_case_text(policy: Policy, raw: Any, measure_ids: list[str] | None = None) -> str:
    ids = select_measures(policy, measure_ids)
    case = parse_case(raw, policy)
    return explain_text(evaluate_case(policy, case, ids), case)
