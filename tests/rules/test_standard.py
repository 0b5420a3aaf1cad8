"""The blocks every package shares: credit reasons name their source (the application
guidelines, not the policy text); the scope of 我市 from a district or a credit code, the same
for a frame whatever other frames share its columns."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from huiqi.policies import load_policy
from huiqi.policies.wuhan_digital_economy_2022.formulas import SCOPE_SWITCH
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.frame import Frame
from huiqi.rules.parameters import ParamView, parse_parameters
from huiqi.rules.standard import CREDIT_SOURCE, in_scope

POLICY = load_policy()
ROOT = Path(__file__).resolve().parents[2]
CASE: dict[str, Any] = {
    "as_of": "2024-06-30",
    "fiscal_year": 2023,
    "enterprise": {"software_enterprise": True, "district": "江岸区"},
    "annual": {"2023": {"revenue": "10000000", "rd_expense": "2000000"}},
}


def _credit(enterprise: dict[str, Any], readings: dict[str, Any] | None = None) -> dict[str, Any]:
    case = {**CASE, "enterprise": {**CASE["enterprise"], **enterprise}}
    if readings:
        case["readings"] = readings
    (row,) = [r for r in evaluate_case_json(POLICY, case)["results"] if r["measure"] == "2.6.1"]
    (cond,) = [c for c in row["conditions"] if c["key"] == "credit"]
    return cond


@pytest.mark.parametrize(
    ("enterprise", "readings", "passed", "words"),
    [
        ({}, None, True, "信用状况良好"),
        ({"serious_discredit": True}, None, False, "严重失信"),
        ({"last_major_penalty_date": "2024-01-01"}, None, False, "重大行政处罚"),
        ({"last_penalty_date": "2024-01-01"}, None, True, "近 36 个月内无重大行政处罚"),
        ({"last_penalty_date": "2024-01-01"}, {"credit.block_any_penalty": True}, False,
         "credit.block_any_penalty=true"),
        ({"last_major_penalty_date": "2024-01-01"},
         {"credit.major_penalty_lookback_months": 0}, True, "不审查行政处罚"),
    ],
)  # fmt: skip
def test_every_credit_reason_says_it_comes_from_the_guidelines(
    enterprise: dict[str, Any], readings: dict[str, Any] | None, passed: bool, words: str
) -> None:
    cond = _credit(enterprise, readings)
    assert cond["passed"] is passed, cond
    assert words in cond["detail"] and CREDIT_SOURCE in cond["detail"], cond["detail"]
    assert "申报指南" in cond["label"]


def _frame(division: np.ndarray, known: np.ndarray) -> Frame:
    f = Frame(len(division))
    f.put("credit_division", division, known)
    return f


def test_scope_by_credit_code_for_frames_sharing_a_column() -> None:
    p = ParamView(POLICY.parameters, POLICY.window_start)
    division = np.array([420106, 420000, 110108, 420500, 420199, 420200], dtype=np.int64)
    everything = np.ones(6, dtype=np.bool_)
    (first,) = in_scope(_frame(division, everything), p, switch=SCOPE_SWITCH)
    assert first.passed.tolist() == [True, False, False, False, True, False]
    assert first.known.tolist() == [True, False, True, True, True, True]
    # the same column with another known mask (a second registry part, a filtered frame):
    # worked out again, not taken from the first
    some = np.array([True, True, False, True, False, True])
    (second,) = in_scope(_frame(division, some), p, switch=SCOPE_SWITCH)
    assert second.passed.tolist() == [True, False, False, False, False, False]
    assert second.known.tolist() == [True, False, False, True, False, True]
    (again,) = in_scope(_frame(division, everything), p, switch=SCOPE_SWITCH)
    assert again.passed.tolist() == first.passed.tolist()


def _place_params(local_only: bool) -> ParamView:
    """Another policy's place, under a switch name of its own: the engine knows no place."""
    spec = {
        "scope.local_only": {"description": "只支持本市企业", "unit": "bool", "reference": "示范",
                             "values": {"2024-01-01": local_only}},
        "scope.districts": {"description": "区", "unit": "list", "reference": "示范",
                            "values": {"2024-01-01": ["海淀区", "朝阳区"]}},
        "scope.region": {"description": "地区", "unit": "text", "reference": "示范",
                         "values": {"2024-01-01": "示范市"}},
        "scope.region_prefixes": {"description": "前缀", "unit": "list", "reference": "示范",
                                  "values": {"2024-01-01": ["示范省", "示范市"]}},
        "scope.division_prefix": {"description": "区划", "unit": "text", "reference": "示范",
                                   "values": {"2024-01-01": "1101"}},
    }  # fmt: skip
    return ParamView(parse_parameters(spec), dt.date(2024, 6, 30))


def test_the_place_test_reads_the_package_names_only() -> None:
    f = Frame(4)
    districts = np.array(["示范省示范市 海淀区", "朝阳区", "湖北省武汉市洪山区", ""], dtype=object)
    f.put("district", districts, np.array([True, True, True, False]))
    f.put("credit_division", np.array([0, 0, 0, 110108], dtype=np.int64))
    (place,) = in_scope(f, _place_params(True), switch="scope.local_only")
    assert place.passed.tolist() == [True, True, False, True]
    assert place.detail(0) == "企业所在区：示范省示范市 海淀区（属示范市）"
    assert place.detail(3) == "未填所在区；统一社会信用代码登记机关区划码 110108 属示范市"
    # the switch off: no place test, as the package's own reading says
    (everyone,) = in_scope(f, _place_params(False), switch="scope.local_only")
    assert everyone.passed.tolist() == [True] * 4 and "scope.local_only=false" in everyone.label
    # a package without the switch has no place condition at all
    assert in_scope(f, _place_params(True), switch="scope.wuhan_only") == []


STANDINGS: list[dict[str, Any]] = [
    {},
    {"district": "武汉市 洪山区"},
    {"district": "海淀区"},
    {"district": None, "credit_code": "91420106MA4K5Q8U10"},
    {"district": None, "credit_code": "91110108MA4K5Q8U1L"},
    {"last_major_penalty_date": "2024-01-10"},
    {"last_penalty_date": "2023-12-01", "serious_discredit": False},
    {"serious_discredit": True},
]


def test_standing_reused_across_measures_and_cases_answers_as_worked_out_afresh() -> None:
    """The scope and credit conditions, and the validity-window conditions, are worked out
    once and reused by every measure (and every later case) reading the same columns: each
    answer, with its citations in order, is the one worked out with nothing reused."""
    from huiqi.rules import standard

    cases = [
        {**CASE, "as_of": as_of, "enterprise": {**CASE["enterprise"], **enterprise}}
        for as_of in ("2024-06-30", "2025-02-28")
        for enterprise in STANDINGS
    ]
    readings = {"credit.block_any_penalty": True}
    cases += [{**c, "readings": readings} for c in cases[:3]]
    # recognitions dated inside and outside the window (a date column per measure's frame)
    cases += [
        {**CASE, "recognitions": [{"kind": "dcmm", "level": 3, "date": day}]}
        for day in ("2023-05-01", "2019-03-01", "2023-05-01")
    ]
    cases.append(json.loads((ROOT / "examples" / "software-firm.json").read_text("utf-8")))
    warm = [evaluate_case_json(POLICY, c) for c in cases]  # in turn: later ones may hit
    for case, answer in zip(cases, warm, strict=True):
        for row in answer["results"]:
            # this measure works its standing and window conditions out afresh
            standard._STANDING_MEMO.clear()
            standard._STANDING_BY_CASE.clear()
            standard._WINDOW_MEMO.clear()
            (alone,) = evaluate_case_json(POLICY, case, [row["measure"]])["results"]
            assert alone == row, (case, row["measure"])
