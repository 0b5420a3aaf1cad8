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


def test_every_alternative_of_every_reading_has_a_case() -> None:
    """Each reading's alternative is implemented and proved by a YAML case that switches it."""
    for policy_id in {c[0] for c in CASES}:
        policy = load_policy(policy_id)
        switched: set[tuple[str, str]] = set()
        for pid, _, case, _ in CASES:
            if pid != policy_id:
                continue
            for name, raw in case.get("readings", {}).items():
                value = policy.with_readings({name: raw}).parameters[name].values[-1][1]
                switched.add((name, repr(value)))
        missing = [
            (name, alt)
            for name, p in policy.readings.items()
            for alt in p.alternatives
            if (name, repr(alt)) not in switched
        ]
        assert not missing, (policy_id, missing)
