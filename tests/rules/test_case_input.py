"""Bad input is refused before evaluation, every problem named by its field path."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.policies import load_policy
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.errors import InputError


def errors_of(case: Any) -> dict[str, str]:
    with pytest.raises(InputError) as exc:
        evaluate_case_json(load_policy(), case)
    return {e.path: e.rule for e in exc.value.errors}


def test_all_problems_are_reported_together() -> None:
    errs = errors_of(
        {
            "as_of": "2023-02-30",
            "enterprise": {"credit_code": "91420100MA4K5Q8U18", "software_enterprise": "maybe"},
            "annual": {"2023": {"revenue": -5, "rd_expense": "abc"}, "20x3": {}},
            "recognitions": [
                {"kind": "nobel", "date": "2023-01-01"},
                {"kind": "dcmm", "level": 7, "date": "2023-01-01"},
            ],
            "projects": [
                {"id": "P1", "kind": "smart_transformation", "construction_end": "2023-13-01"}
            ],
            "prior_awards": [{"measure": "9.9.9", "amount": 1}],
            "other_policy_awards": [{"measure": "2.6.1", "amount": "1"}],
            "surprise": 1,
        }
    )
    assert errs == {
        "as_of": "date",
        "enterprise.credit_code": "credit_code",
        "enterprise.software_enterprise": "bool",
        "annual.2023.revenue": "non_negative",
        "annual.2023.rd_expense": "number",
        "annual.20x3": "year",
        "recognitions[0].kind": "recognition_kind",
        "recognitions[1].level": "level",
        "projects[0].construction_end": "date",
        "prior_awards[0].measure": "unknown_measure",
        "other_policy_awards[0].policy": "required",
        "surprise": "unknown_field",
    }


def test_as_of_is_required() -> None:
    assert errors_of({"fiscal_year": 2023}) == {"as_of": "required"}


def test_not_an_object() -> None:
    assert errors_of([1, 2]) == {"$": "object"}


def test_duplicate_project_ids() -> None:
    errs = errors_of(
        {
            "as_of": "2024-06-30",
            "projects": [{"id": "P", "kind": "major_event"}, {"id": "P", "kind": "major_event"}],
        }
    )
    assert errs == {"projects[1].id": "unique"}


def test_chinese_dates_and_full_width_are_accepted() -> None:
    res = evaluate_case_json(
        load_policy(),
        {
            "as_of": "２０２４年６月３０日",
            "enterprise": {"software_enterprise": "是", "district": "江汉区"},
            "annual": {"２０２３": {"revenue": "８００万元", "rd_expense": "130万"}},
        },
    )
    row = next(r for r in res["results"] if r["measure"] == "2.6.1")
    assert (row["status"], row["amount"]) == ("eligible", "130000.00")
    assert res["fiscal_year"] == 2023  # defaulted to the last complete year


def test_gap_to_eligibility_is_a_figure() -> None:
    res = evaluate_case_json(
        load_policy(),
        {
            "as_of": "2024-06-30",
            "enterprise": {"software_enterprise": True, "district": "江汉区"},
            "annual": {"2023": {"revenue": "10000000", "rd_expense": "1200000"}},
        },
    )
    row = next(r for r in res["results"] if r["measure"] == "2.6.1")
    assert row["status"] == "ineligible"
    assert "研发投入占比 12.0%，低于 15%" in " ".join(row["reasons"])
    assert row["gaps"] == ["2023年度研发投入增加 ¥300,000.00，达到 ¥1,500,000.00（150万元）"]
