"""Readings are named parameters a case may switch; nothing else may be switched."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.policies import load_policy
from huiqi.policies.text import normalise
from huiqi.rules.api import evaluate_case_json, evaluate_cases_json
from huiqi.rules.errors import InputError

POLICY = load_policy()
LOOKBACK = "credit.major_penalty_lookback_months"


def late_claim(**readings: Any) -> dict[str, Any]:
    return {
        "as_of": "2025-06-30",
        "fiscal_year": 2024,
        "enterprise": {"software_enterprise": True, "district": "江夏区"},
        "annual": {"2024": {"revenue": "10000000", "rd_expense": "2000000"}},
        **({"readings": readings} if readings else {}),
    }


def amount(result: dict[str, Any], measure: str) -> str:
    return next(r["amount"] for r in result["results"] if r["measure"] == measure)


def test_a_case_carries_its_readings() -> None:
    assert amount(evaluate_case_json(POLICY, late_claim()), "2.6.1") == "0.00"
    switched = evaluate_case_json(POLICY, late_claim(**{"window.annual_basis": "fiscal_year"}))
    assert amount(switched, "2.6.1") == "200000.00"
    assert switched["readings"] == {"window.annual_basis": "fiscal_year"}
    # the default reading named explicitly is no change at all
    same = evaluate_case_json(POLICY, late_claim(**{"window.annual_basis": "claim_date"}))
    assert same["readings"] == {} and amount(same, "2.6.1") == "0.00"


@pytest.mark.parametrize(
    ("readings", "path", "rule"),
    [
        ({"m2_6_1.cap": "2000000"}, "readings.m2_6_1.cap", "not_a_reading"),
        ({"no.such": 1}, "readings.no.such", "not_a_reading"),
        ({"window.annual_basis": "tomorrow"}, "readings.window.annual_basis", "reading_value"),
        ({"scope.wuhan_only": "maybe"}, "readings.scope.wuhan_only", "reading_value"),
        ({"m2_6_1.rate": "0.5"}, "readings.m2_6_1.rate", "reading_value"),
        ({LOOKBACK: "12"}, f"readings.{LOOKBACK}", "reading_value"),
    ],
)  # fmt: skip
def test_only_named_readings_with_their_values(
    readings: dict[str, Any], path: str, rule: str
) -> None:
    with pytest.raises(InputError) as exc:
        evaluate_case_json(POLICY, late_claim(**readings))
    assert [(e.path, e.rule) for e in exc.value.errors] == [(path, rule)]


def test_every_reading_names_its_words_and_each_alternative_switches() -> None:
    readings = POLICY.readings
    assert len(readings) >= 15
    text = normalise(POLICY.full_text)
    for name, p in readings.items():
        assert p.description and p.reference and p.words, name
        if not p.words.startswith("（"):  # （…）: the text is silent, the words say so
            for part in p.words.split("；"):
                assert normalise(part) in text, (name, part)
        for alt in p.alternatives:
            switched = POLICY.with_readings({name: alt})
            assert switched.parameters[name].values[-1][1] == alt
            assert switched.reading_changes(POLICY) == {name: alt}


def test_cases_with_different_readings_in_one_batch_answer_as_alone() -> None:
    cases = [
        late_claim(),
        late_claim(**{"window.annual_basis": "fiscal_year"}),
        late_claim(**{"window.annual_basis": "fiscal_year", "interpretation.rounding": "down"}),
        late_claim(),
        late_claim(**{"m2_6_1.cap": 1}),  # bad: fails alone
    ]
    together = evaluate_cases_json(POLICY, cases)
    for case, got in zip(cases, together, strict=True):
        try:
            alone: Any = evaluate_case_json(POLICY, case)
        except InputError as e:
            assert isinstance(got, InputError) and got.errors == e.errors
            continue
        assert got == alone
