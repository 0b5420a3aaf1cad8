"""Every YAML case of every policy package: expected status and amount, to the fen."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.policies import load_policy
from huiqi.rules.api import evaluate_case_json

from .case_files import policy_cases

CASES = policy_cases()


@pytest.mark.parametrize(
    ("policy_id", "case", "spec"), [c[0:1] + c[2:] for c in CASES], ids=[c[1] for c in CASES]
)
def test_policy_case(policy_id: str, case: dict[str, Any], spec: dict[str, Any]) -> None:
    result = evaluate_case_json(load_policy(policy_id), case)
    rows = {(r["measure"], r["project"]): r for r in result["results"]}
    for exp in spec["expect"]:
        key = (exp["measure"], exp.get("project"))
        assert key in rows, f"no result row for {key}; rows: {sorted(rows, key=str)}"
        row = rows[key]
        assert row["status"] == exp["status"], (exp, row["reasons"])
        if "amount" in exp:
            assert row["amount"] == exp["amount"], (exp, row["reasons"])
        if "cap" in exp:
            assert row["cap"] == exp["cap"]
        if "supersedes" in exp:
            assert row["supersedes"]["policy"] == exp["supersedes"]
        assert row["clause_words"], "every result cites its words"
    if "total" in spec:
        assert result["total"] == spec["total"]


def test_there_are_cases_for_every_computed_measure() -> None:
    policy = load_policy()
    covered = {exp["measure"] for _, _, _, spec in CASES for exp in spec["expect"]}
    assert set(policy.measures) <= covered, sorted(set(policy.measures) - covered)
