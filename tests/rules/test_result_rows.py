"""Result rows read an evaluation's columns as lists (small frames) or element by element (a
registry's): both give the same answer, and a caller's copy of the citations is its own."""

from __future__ import annotations

from typing import Any

import pytest

from huiqi.policies import load_policy
from huiqi.rules import result
from huiqi.rules.api import evaluate_case, evaluate_case_json
from huiqi.rules.case import parse_case
from huiqi.rules.errors import InputError
from huiqi.rules.explain import cn_dates
from tests.policies.case_files import policy_cases

POLICY = load_policy()
YAML_CASES = [case for pid, _, case, _ in policy_cases() if pid == POLICY.id]


def _answer(case: dict[str, Any]) -> Any:
    try:
        return evaluate_case_json(POLICY, case)
    except InputError as e:
        return [x.to_json() for x in e.errors]


def test_rows_read_from_lists_equal_rows_read_from_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    from_lists = [_answer(c) for c in YAML_CASES]
    monkeypatch.setattr(result, "_LIST_ROWS", -1)  # every column read element by element
    from_arrays = [_answer(c) for c in YAML_CASES]
    assert from_arrays == from_lists
    assert any(isinstance(a, dict) and a["total"] != "0.00" for a in from_lists)


def test_plain_rows_tell_every_condition_and_explained_rows_leave_them_to_the_explanation() -> None:
    case = parse_case(YAML_CASES[0], POLICY)
    ce = evaluate_case(POLICY, case, ["2.6.1"])
    plain = result.case_result(ce)["results"][0]
    told = result.case_result(ce, for_explanation=True)["results"][0]
    n = len(plain["conditions"])
    assert plain["reasons"][:n] == [
        ("符合：" if c["passed"] else "不符合：") + c["detail"] for c in plain["conditions"]
    ]
    assert told["reasons"] == plain["reasons"][n:]
    assert {k: v for k, v in told.items() if k != "reasons"} == {
        k: v for k, v in plain.items() if k != "reasons"
    }


def test_an_edited_result_leaves_the_next_answer_alone() -> None:
    first = evaluate_case_json(POLICY, YAML_CASES[0])
    cited = first["results"][0]["parameters"]
    assert cited, "2.6.1 cites its parameters"
    cited[0]["value"] = "edited"
    again = evaluate_case_json(POLICY, YAML_CASES[0])
    assert again["results"][0]["parameters"][0]["value"] != "edited"


def test_dates_in_recurring_sentences_are_converted_each_time_alike() -> None:
    sentence = "申报日 2024-06-30 在政策有效期 2022-06-01 至 2025-05-31 内"
    assert (
        cn_dates(sentence)
        == cn_dates(sentence)
        == ("申报日 2024年6月30日 在政策有效期 2022年6月1日 至 2025年5月31日 内")
    )
    assert cn_dates("无日期的句子") == "无日期的句子"
