"""Many cases evaluated together (the busy calculator) answer exactly as one at a time."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.policies import load_policy
from huiqi.rules.api import evaluate_case_json, evaluate_cases, evaluate_cases_json
from huiqi.rules.case import parse_case
from huiqi.rules.errors import InputError
from tests.helpers.cases import software_case
from tests.policies.case_files import policy_cases

POLICY = load_policy()
YAML_CASES = [case for pid, _, case, _ in policy_cases() if pid == POLICY.id]


def _alone(case: dict[str, Any]) -> Any:
    try:
        return evaluate_case_json(POLICY, case)
    except InputError as e:
        return [(x.path, x.rule, x.message) for x in e.errors]


def _together(cases: list[dict[str, Any]], ids: list[str] | None = None) -> list[Any]:
    return [
        [(x.path, x.rule, x.message) for x in a.errors] if isinstance(a, InputError) else a
        for a in evaluate_cases_json(POLICY, cases, ids)
    ]


def test_every_yaml_case_in_one_shuffled_batch_equals_its_own_answer() -> None:
    # the 102 analyst cases: thresholds to the fen, caps, one-time awards, upgrades, prior
    # awards, 就高不重复, projects, recognitions, five different dates, and bad input
    assert len(YAML_CASES) > 100
    expected = [_alone(c) for c in YAML_CASES]
    rng = random.Random(6)
    for _ in range(3):
        order = list(range(len(YAML_CASES)))
        rng.shuffle(order)
        got = _together([YAML_CASES[k] for k in order])
        for k, answer in zip(order, got, strict=True):
            assert answer == expected[k], YAML_CASES[k]


def test_cases_of_several_dates_go_in_separate_frames() -> None:
    # parameters are read at each case's date: a batch never reads them at another's
    dates = ["2022-06-30", "2024-06-30", "2024-06-30", "2025-03-31", "2024-06-30"]
    raws = [{**software_case(10**9, 2 * 10**8, 5 * 10**8), "as_of": d} for d in dates]
    cases = [parse_case(raw, POLICY) for raw in raws]
    evaluations = evaluate_cases(POLICY, cases, ["2.6.1"])
    for date, ce in zip(dates, evaluations, strict=True):
        (ev,) = ce.evaluations  # 2.6.1 is enterprise-level: one row per case in its frame
        assert ce.as_of.isoformat() == date
        assert ev.frame.n == dates.count(date)
    assert _together(raws, ["2.6.1"]) == [evaluate_case_json(POLICY, r, ["2.6.1"]) for r in raws]


def test_a_bad_case_fails_alone() -> None:
    good = software_case(800_000_000, 130_000_000, 500_000_000)
    bad = {**good, "annual": {"2023": {"revenue": -1}}}
    got = _together([good, bad, good], ["2.6.1"])
    assert got[0] == got[2] == evaluate_case_json(POLICY, good, ["2.6.1"])
    assert got[0]["results"][0]["amount"] == "130000.00"  # 10% of 130万
    assert got[1][0][:2] == ("annual.2023.revenue", "non_negative")


def test_an_unknown_measure_is_refused_for_the_whole_batch() -> None:
    try:
        evaluate_cases_json(POLICY, [software_case(1, 1, 1)], ["9.9.9"])
    except InputError as e:
        assert e.errors[0].path == "measures" and "9.9.9" in e.errors[0].message
    else:
        raise AssertionError("an unknown measure must be refused")


FIRM = st.tuples(
    st.integers(0, 10**11), st.none() | st.integers(0, 10**10), st.none() | st.integers(0, 10**11)
)


@settings(max_examples=60, deadline=None)
@given(firms=st.lists(FIRM, min_size=2, max_size=12))
def test_random_firms_together_equal_each_alone(firms: list[tuple[int, Any, Any]]) -> None:
    cases = [software_case(*f) for f in firms]
    assert _together(cases) == [_alone(c) for c in cases]
