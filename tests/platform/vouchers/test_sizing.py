"""中小微企业划型 (工信部联企业〔2011〕300号) for the industries firm records carry."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from huiqi.platform.errors import ApiError
from huiqi.platform.vouchers.sizing import classify, decide, industry_rule, rules_on

WAN = 10**6  # fen per 万元
DAY = dt.date(2024, 6, 17)


def firm(industry: str, employees: int | None, revenue_wan: int | None) -> SimpleNamespace:
    fig = SimpleNamespace(
        year=2023,
        employees=employees,
        revenue_fen=None if revenue_wan is None else revenue_wan * WAN,
    )
    return SimpleNamespace(industry=industry, figures=[fig])


@pytest.mark.parametrize(
    ("employees", "revenue_wan", "size"),
    [
        (10, 50, "small"),  # both lower limits of 小型, inclusive
        (9, 5000, "micro"),  # one limit short: 微型
        (99, 999, "small"),
        (100, 1000, "medium"),
        (100, 999, "small"),  # 中型 needs both limits; one short falls to 小型
        (300, 10000, "large"),
        (299, 10000, "medium"),
        (10, 49, "micro"),
    ],
)
def test_software_and_it_services(employees: int, revenue_wan: int, size: str) -> None:
    rule = industry_rule(rules_on(DAY), "软件和信息技术服务业")
    assert rule is not None
    assert classify(rule, employees, revenue_wan * WAN) == size


@pytest.mark.parametrize(
    ("employees", "revenue_wan", "size"),
    [(20, 300, "small"), (19, 300, "micro"), (300, 2000, "medium"), (1000, 40000, "large")],
)
def test_industry(employees: int, revenue_wan: int, size: str) -> None:
    assert decide(firm("制造业", employees, revenue_wan), DAY).size == size


def test_decision_cites_the_rule_and_the_figures() -> None:
    d = decide(firm("软件和信息技术服务业", 50, 2000), DAY)
    assert d.size == "small" and d.figures_year == 2023
    assert "工信部联企业〔2011〕300号" in d.explanation and "50人" in d.explanation
    assert "2000万元" in d.explanation


def test_uncovered_industry_and_missing_figures_are_not_guessed() -> None:
    with pytest.raises(ApiError) as e:
        decide(firm("餐饮业", 5, 10), DAY)
    (err,) = e.value.errors
    assert err["path"] == "enterprise.industry" and "软件和信息技术服务业" in err["message"]
    with pytest.raises(ApiError) as e:
        decide(firm("制造业", None, 10), DAY)
    (err,) = e.value.errors
    assert err["path"] == "enterprise.figures" and "从业人员" in err["message"]
