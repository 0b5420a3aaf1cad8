"""The core's public entry points: one case in, result JSON or Chinese text out."""

from __future__ import annotations

from typing import Any

from .case import Case, parse_case
from .errors import InputError
from .evaluator import evaluate_measure
from .explain import explain_text
from .policy import Policy
from .result import CaseEvaluation, case_result
from .rows import CaseColumns, measure_frame


def evaluate_case(
    policy: Policy, case: Case, measure_ids: list[str] | None = None
) -> CaseEvaluation:
    ids = measure_ids if measure_ids is not None else list(policy.measures)
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
    return CaseEvaluation(policy, case.as_of, case.fiscal_year, case.enterprise, evaluations)


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
    return case_result(evaluate_case(policy, parse_case(raw, policy), ids))


def explain_case_text(policy: Policy, raw: Any, measure_ids: list[str] | None = None) -> str:
    ids = select_measures(policy, measure_ids)
    return explain_text(evaluate_case(policy, parse_case(raw, policy), ids))
