"""A policy author adds a package (YAML + formulas + cases) and the engine runs it untouched."""

from __future__ import annotations

from huiqi.policies import available_policies, load_policy, register_policy
from huiqi.rules.api import evaluate_case_json

from .case_files import policy_cases


def test_a_new_policy_package_loads_and_evaluates() -> None:
    register_policy("toy-small-firms-2024", "tests.policies.toy_policy")
    assert "toy-small-firms-2024" in available_policies()
    policy = load_policy("toy-small-firms-2024")
    assert [c.id for c in policy.clauses] == ["1.1", "1.2", "2.0"]
    assert policy.clause("1.1").units == ("市科技局", "各区人民政府")
    assert policy.window_end.isoformat() == "2025-12-31"
    res = evaluate_case_json(
        policy,
        {"as_of": "2024-06-30", "annual": {"2023": {"revenue": "1000000", "rd_expense": "100000"}}},
    )
    assert res["results"][0]["amount"] == "5000.00"


def test_its_yaml_cases_are_picked_up_by_the_case_runner() -> None:
    register_policy("toy-small-firms-2024", "tests.policies.toy_policy")
    ids = [c[1] for c in policy_cases() if c[0] == "toy-small-firms-2024"]
    assert len(ids) == 2
