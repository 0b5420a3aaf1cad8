"""Explanations for a firm owner: the policy package's wording data is complete and faithful."""

from __future__ import annotations

import datetime as dt
import re

from huiqi.policies import load_policy
from huiqi.policies.text import normalise
from huiqi.rules.api import evaluate_case, explain_case_text
from huiqi.rules.case import parse_case
from huiqi.rules.explain import (
    CERTAIN,
    REVIEW,
    UP_TO,
    amount_basis,
    cn_date,
    cn_dates,
    explain_data,
    fact_title,
    is_trivial,
)

POLICY = load_policy()
DATA = explain_data(POLICY)


def test_dates_read_as_people_write_them() -> None:
    assert cn_date(dt.date(2022, 6, 1)) == "2022年6月1日"
    assert cn_dates("申报日 2024-06-30 在 2022-06-01 至 2025-05-31 内") == (
        "申报日 2024年6月30日 在 2022年6月1日 至 2025年5月31日 内"
    )
    assert cn_dates("编号 12022-06-011") == "编号 12022-06-011"  # not a date


def test_quoted_words_are_the_published_words() -> None:
    body = normalise(POLICY.full_text)
    for mid, (_, words) in {**DATA.amounts, **DATA.discretionary}.items():
        assert mid in POLICY.measures, mid
        assert words in body, (mid, words)


def test_every_discretionary_measure_says_why_in_the_texts_words() -> None:
    for spec in POLICY.measures.values():
        if spec.kind == "discretionary":
            assert spec.id in DATA.discretionary, spec.id
            assert amount_basis(spec, DATA) == REVIEW


def test_up_to_only_where_the_text_says_buchaoguo() -> None:
    for mid, (basis, words) in DATA.amounts.items():
        assert basis == UP_TO and "不超过" in words, mid
    assert amount_basis(POLICY.measures["2.6.1"], DATA) == UP_TO
    assert amount_basis(POLICY.measures["2.6.3"], DATA) == CERTAIN  # 分别给予20万元…
    assert amount_basis(POLICY.measures["2.3.1"], DATA) == CERTAIN  # 30%，最高500万元


def test_every_fact_a_condition_reads_has_a_chinese_title() -> None:
    """Evaluate an empty case: every condition then names its fact; none may stay a path."""
    case = parse_case({"as_of": "2024-06-30"}, POLICY)
    ce = evaluate_case(POLICY, case)
    facts = {cond.fact for ev in ce.evaluations for cond in ev.outcome.conditions}
    assert facts
    for fact in sorted(facts):
        title = fact_title(DATA, fact, 2023)
        assert title and not re.search(r"[\[\]._a-z]", title), (fact, title)


def test_missing_subjects_are_questions_not_paths() -> None:
    text = explain_case_text(POLICY, {"as_of": "2024-06-30"})
    for line in text.splitlines():
        assert "[" not in line and "kind=" not in line, line
    assert "？ 1.3.1 工业互联网标识解析二级节点资金支持（一（三））：" in text
    assert "如已获评工业互联网标识解析二级节点，请补充认定日期" in text
    assert "✘" not in text  # nothing is refused for a fact not given


def test_trivial_conditions_are_not_told() -> None:
    raw = {
        "as_of": "2024-06-30",
        "enterprise": {"district": "洪山区"},
        "projects": [
            {
                "id": "p1",
                "kind": "public_service_platform",
                "software_investment": "100万",
                "hardware_investment": 0,
                "recognition_level": "municipal",
                "recognition_date": "2023-01-01",
            }
        ],
    }
    text = explain_case_text(POLICY, raw, ["2.3.1"])
    assert "¥0.00 ≥ ¥0.00" not in text and "≥ ¥0.00" not in text
    assert "确定可享：¥300,000.00（30万元）" in text
    assert is_trivial({"passed": True, "known": True, "detail": "软件设备投资额 ¥0.00 ≥ ¥0.00"})
    assert not is_trivial({"passed": False, "known": True, "detail": "x ¥0.00 ≥ ¥0.00"})
