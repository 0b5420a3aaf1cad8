"""中小微企业划型: which firms are 小微 for the 小微企业服务券.

The rules are dated data (size_rules.yaml, 工信部联企业〔2011〕300号) for the industries firm
records carry on this platform: 工业, 软件和信息技术服务业 and 信息传输业. The firm's industry,
its 营业收入 (annual figures) and its 从业人员 (recorded with the annual figures) decide; a
firm whose industry is not covered, or whose figures are missing, is not sized by guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from huiqi.platform.errors import ApiError
from huiqi.rules.money import format_wan

RULES_FILE = Path(__file__).with_name("size_rules.yaml")
WAN_FEN = 10_000 * 100
SIZE_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
SMALL_MICRO = ("small", "micro")


@dataclass(frozen=True)
class Limits:
    employees: int
    revenue_fen: int


@dataclass(frozen=True)
class IndustryRule:
    name: str
    aliases: tuple[str, ...]
    article: str
    sme_below: Limits
    medium: Limits
    small: Limits


@dataclass(frozen=True)
class RuleSet:
    effective_from: dt.date
    reference: str
    industries: tuple[IndustryRule, ...]


@dataclass(frozen=True)
class SizeDecision:
    size: str
    industry: str
    employees: int
    revenue_fen: int
    figures_year: int
    reference: str
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "size_zh": SIZE_ZH[self.size],
            "industry": self.industry,
            "employees": self.employees,
            "revenue_fen": self.revenue_fen,
            "figures_year": self.figures_year,
            "reference": self.reference,
            "explanation": self.explanation,
        }


def _limits(raw: dict[str, Any]) -> Limits:
    return Limits(int(raw["employees"]), int(raw["revenue_wan"]) * WAN_FEN)


@lru_cache(maxsize=1)
def rule_sets() -> tuple[RuleSet, ...]:
    doc = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    out = []
    for entry in doc:
        industries = tuple(
            IndustryRule(
                name=i["name"],
                aliases=tuple(i["aliases"]),
                article=i["article"],
                sme_below=_limits(i["sme_below"]),
                medium=_limits(i["medium"]),
                small=_limits(i["small"]),
            )
            for i in entry["industries"]
        )
        out.append(RuleSet(entry["effective_from"], entry["reference"], industries))
    return tuple(sorted(out, key=lambda r: r.effective_from))


def rules_on(day: dt.date) -> RuleSet:
    current = [r for r in rule_sets() if r.effective_from <= day]
    if not current:
        raise ValueError(f"no 划型 rules in force on {day}")
    return current[-1]


def industry_rule(rules: RuleSet, industry: str) -> IndustryRule | None:
    name = industry.strip()
    return next((r for r in rules.industries if name in r.aliases), None)


def classify(rule: IndustryRule, employees: int, revenue_fen: int) -> str:
    """Both lower limits for 中型 and 小型 (else one class down); 大型 at or above both upper
    limits of 中小微; 微型 is what is left."""

    def meets(limits: Limits) -> bool:
        return employees >= limits.employees and revenue_fen >= limits.revenue_fen

    if meets(rule.sme_below):
        return "large"
    if meets(rule.medium):
        return "medium"
    if meets(rule.small):
        return "small"
    return "micro"


def decide(ent: Any, day: dt.date) -> SizeDecision:
    """The firm's size from its records under the rules in force on `day`: its industry, and
    the latest annual figures (not after `day`'s year) that carry both 营业收入 and 从业人员."""
    rules = rules_on(day)
    rule = industry_rule(rules, ent.industry or "")
    if rule is None:
        covered = "、".join(r.name for r in rules.industries)
        raise ApiError(
            422,
            "size_industry",
            f"企业行业“{ent.industry or '未填'}”不在本平台已实现的划型行业（{covered}）内，"
            "无法按《中小企业划型标准规定》认定是否小微企业",
            "enterprise.industry",
        )
    figures = [
        f
        for f in ent.figures
        if f.year <= day.year and f.revenue_fen is not None and f.employees is not None
    ]
    if not figures:
        raise ApiError(
            422,
            "size_figures",
            "企业档案缺少同一年度的营业收入和从业人员，无法按《中小企业划型标准规定》认定"
            "是否小微企业，请先在企业档案中填报",
            "enterprise.figures",
        )
    latest = max(figures, key=lambda f: f.year)
    employees, revenue = int(latest.employees), int(latest.revenue_fen)
    size = classify(rule, employees, revenue)
    small = rule.small
    explanation = (
        f"按{rules.reference}{rule.article}（{rule.name}）：{latest.year}年度从业人员"
        f"{employees}人、营业收入{format_wan(revenue)}，划为{SIZE_ZH[size]}企业"
        f"（小型须从业人员{small.employees}人及以上且营业收入"
        f"{small.revenue_fen // WAN_FEN}万元及以上，未达中型标准；否则为微型）"
    )
    return SizeDecision(
        size, rule.name, employees, revenue, latest.year, rules.reference, explanation
    )
