"""The core's public entry points: one case in, result JSON or Chinese text out."""

from __future__ import annotations

from typing import Any

from .case import Case, parse_case
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


def evaluate_case_json(policy: Policy, raw: Any) -> dict[str, Any]:
    """Parsed JSON case -> result JSON. Raises InputError (with field paths) on bad input."""
    return case_result(evaluate_case(policy, parse_case(raw, policy)))


def explain_case_text(policy: Policy, raw: Any) -> str:
    return explain_text(evaluate_case(policy, parse_case(raw, policy)))
