"""Compact frozen evaluations: what decides the money is stored, the explanation is rebuilt.

A 免申即享 campaign freezes tens of thousands of candidates at once. Storing each one's full
explained answer (about 7 KB of reasons, citations and conditions) made the campaign's write
the slowest part of it. A compact evaluation keeps only what decided the money — the measure,
the project, the engine's status and amount — beside the frozen facts (which carry the
platform's readings) and the policy id and version (the application's own columns). The
explanation is a pure function of those: the single evaluation of the facts under that policy
version. It is rebuilt when an application is read, and checked against the stored status and
amount, so a page never shows an explanation that disagrees with the frozen money.
"""

from __future__ import annotations

from typing import Any

from huiqi.platform.policy import get_policy
from huiqi.rules.api import evaluate_case_json

# the key that marks a compact evaluation; a full one has "policy", "as_of", "fiscal_year", "row"
COMPACT = "compact"


def compact_evaluation(
    measure_id: str, project_id: int | None, status: str, amount: str | None
) -> dict[str, Any]:
    """The compact form of one measure's answer: `amount` as the result gives it (yuan text)."""
    project = str(project_id) if project_id is not None else None
    return {COMPACT: 1, "measure": measure_id, "project": project, "status": status,
            "amount": amount}  # fmt: skip


def is_compact(evaluation: Any) -> bool:
    return isinstance(evaluation, dict) and COMPACT in evaluation


def measure_evaluation(
    policy: Any, case: Any, measure_id: str, project_id: int | None
) -> dict[str, Any]:
    """The single evaluation of `case`, kept to the row of `measure_id` (for `project_id` when
    project-level): what an application freezes (`engine.evaluate_measure` gives it)."""
    result = evaluate_case_json(policy, case)
    want = str(project_id) if project_id is not None else None
    rows = [r for r in result["results"] if r["measure"] == measure_id]
    row = next((r for r in rows if r.get("project") == want), None)
    if row is None and want is None and rows:
        row = rows[0]
    # no row: the firm has no fact this measure looks at (e.g. no such recognition)
    return {**{k: result[k] for k in ("policy", "as_of", "fiscal_year")}, "row": row}


def rebuild(
    stored: dict[str, Any], facts: dict[str, Any], policy_id: str, policy_version: str
) -> dict[str, Any]:
    """The full evaluation a compact one stands for: the single evaluation of `facts`.

    Under another policy version than the loaded one the explanation cannot be rebuilt
    faithfully; the stored answer is then given as it is, with a note saying why.
    """
    policy = get_policy(policy_id)
    if policy.version != policy_version:
        return {
            **stored,
            "row": None,
            "unavailable": f"按政策版本 {policy_version} 冻结，当前加载的是版本 "
            f"{policy.version}，无法重建测算说明；冻结的结论与金额以申报记录为准",
        }
    project = stored["project"]
    full = measure_evaluation(policy, facts, stored["measure"], int(project) if project else None)
    row = full["row"] or {}
    if (row.get("status", "ineligible"), row.get("amount")) != (
        stored["status"],
        stored["amount"],
    ):
        # the facts, the policy version and the engine decide the answer; if replaying them
        # does not give the frozen one, the record is not what it claims to be
        raise ValueError(
            f"冻结的测算结果（{stored['status']}，{stored['amount']}）与按快照重算的结果"
            f"（{row.get('status')}，{row.get('amount')}）不一致"
        )
    return full
