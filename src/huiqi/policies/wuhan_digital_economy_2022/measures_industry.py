"""二、推动数字产业化升级: key technologies, events, public platforms, core-industry projects,
software enterprises (二（六）) and software parks."""

from __future__ import annotations

import numpy as np

from huiqi.rules import conditions as c
from huiqi.rules.frame import Frame, year_of
from huiqi.rules.money import format_wan
from huiqi.rules.parameters import ParamView
from huiqi.rules.policy import Outcome
from huiqi.rules.standard import (
    fixed_basis,
    percent,
    percent_basis,
    within_window,
)

from .formulas import dated_project, fixed_award, measure, recognised, standing

RECOGNITION_LEVEL_NAMES = {"municipal": "市级", "provincial": "省级", "national": "国家级"}
DCMM_LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}


def _software(f: Frame) -> c.Condition:
    return c.flag(
        f, column="software_enterprise", label="属于软件企业", fact="enterprise.software_enterprise"
    )


def _annual_claim(f: Frame, p: ParamView) -> list[c.Condition]:
    """Annual measures under the reading window.annual_basis: claim_date = claimed inside
    the window, on the last complete fiscal year; fiscal_year = the fiscal year overlaps the
    window, whatever the claim date."""
    if p.get("window.annual_basis") == "fiscal_year":
        first, last = p.date("window.start").year, p.date("window.end").year
        return [
            c.integer_between(
                f,
                column="fiscal_year",
                low=first,
                high=last,
                label=f"财务数据年度与政策有效期有交集（{first}–{last}年度）",
                what="财务数据年度",
                fact="fiscal_year",
            )
        ]
    lag = p.integer("interpretation.annual_fiscal_year_lag")
    return [
        within_window(f, p, column="as_of", what="申报日", fact="as_of"),
        c.integer_equals(
            f,
            column="fiscal_year",
            expected=year_of(f.date("as_of")) - lag,
            label="财务数据为上一完整会计年度",
            what="会计年度",
            fact="fiscal_year",
        ),
    ]


@measure("2.1.1")
def key_technology_breakthrough(f: Frame, p: ParamView) -> Outcome:
    return Outcome(dated_project(f, p, column="approval_date", what="攻关项目立项日期"))


@measure("2.2.1")
def major_event_cost_subsidy(f: Frame, p: ParamView) -> Outcome:
    return Outcome(dated_project(f, p, column="event_date", what="活动举办日期"))


@measure("2.3.1")
def public_service_platform_subsidy(f: Frame, p: ParamView) -> Outcome:
    levels = tuple(p.get("m2_3_1.recognition_levels"))
    rate = p.rate("m2_3_1.rate")
    investment = f.money("software_investment") + f.money("hardware_investment")
    raw = percent(investment, rate, p)
    conds = [
        c.one_of(
            f,
            column="recognition_level",
            allowed=levels,
            label="经市级以上主管部门认定",
            what="认定层级",
            fact="projects[].recognition_level",
            value_names=RECOGNITION_LEVEL_NAMES,
        ),
        within_window(
            f,
            p,
            column="recognition_date",
            what="平台认定日期",
            fact="projects[].recognition_date",
        ),
        c.required(
            f,
            column="software_investment",
            what="软件设备投资额",
            fact="projects[].software_investment",
        ),
        c.required(
            f,
            column="hardware_investment",
            what="硬件设备投资额",
            fact="projects[].hardware_investment",
        ),
        *standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("软件和硬件设备投资额", rate, investment, raw))


@measure("2.3.2")
def national_platform_landing(f: Frame, p: ParamView) -> Outcome:
    return Outcome(dated_project(f, p, column="landing_date", what="平台项目落地日期"))


@measure("2.5.1")
def core_industry_project_incentive(f: Frame, p: ParamView) -> Outcome:
    threshold = p.money("m2_5_1.investment_threshold")
    inclusive = p.flag("interpretation.yishang_inclusive")
    above = "以上（含本数）" if inclusive else "以上（不含本数）"
    return Outcome(
        [
            c.flag(
                f,
                column="newly_introduced",
                label="新引进项目",
                fact="projects[].newly_introduced",
            ),
            c.at_least(
                f,
                column="total_investment",
                threshold_fen=threshold,
                label=f"总投资{format_wan(threshold)}{above}",
                what="总投资",
                fact="projects[].total_investment",
                strict=not inclusive,
            ),
            within_window(
                f,
                p,
                column="introduction_date",
                what="项目引进日期",
                fact="projects[].introduction_date",
            ),
            *standing(f, p),
        ]
    )


def _software_of_revenue(f: Frame, revenue_min: int) -> list[c.Condition]:
    """二（六）'s common test: a software enterprise with 年营业收入 of `revenue_min` or more."""
    return [
        _software(f),
        c.at_least(
            f,
            column="revenue",
            threshold_fen=revenue_min,
            label=f"年营业收入{format_wan(revenue_min)}及以上",
            what="年营业收入",
            fact="annual[fiscal_year].revenue",
        ),
    ]


@measure("2.6.1")
def software_rd_subsidy(f: Frame, p: ParamView) -> Outcome:
    rate = p.rate("m2_6_1.rate")
    revenue_min, ratio = p.money("m2_6_1.revenue_threshold"), p.rate("m2_6_1.rd_ratio")
    rd = f.money("rd_expense")
    raw = percent(rd, rate, p)
    conds = [
        *_software_of_revenue(f, revenue_min),
        c.ratio_at_least(
            f,
            numerator="rd_expense",
            denominator="revenue",
            threshold=ratio,
            label=f"年研发投入占年营业收入比例达到{c.format_rate(ratio)}及以上",
            ratio_what="研发投入占比",
            numerator_what="研发投入",
            fact="annual[fiscal_year].rd_expense",
        ),
        *_annual_claim(f, p),
        *standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("年研发投入", rate, rd, raw))


@measure("2.6.2")
def software_growth_award(f: Frame, p: ParamView) -> Outcome:
    rate, growth = p.rate("m2_6_2.rate"), p.rate("m2_6_2.growth")
    revenue_min = p.money("m2_6_2.revenue_threshold")
    revenue, previous = f.money("revenue"), f.money("revenue_previous_year")
    increase = np.maximum(revenue - previous, 0)
    raw = percent(increase, rate, p)
    conds = [
        *_software_of_revenue(f, revenue_min),
        c.at_least(
            f,
            column="revenue_previous_year",
            threshold_fen=0,
            label="上年营业收入大于0",
            what="上年营业收入",
            fact="annual[fiscal_year-1].revenue",
            strict=True,
        ),
        c.growth_at_least(
            f,
            current="revenue",
            previous="revenue_previous_year",
            threshold=growth,
            label=f"年营业收入增速{c.format_rate(growth)}及以上",
            what="营业收入",
            fact="annual[fiscal_year-1].revenue",
        ),
        *_annual_claim(f, p),
        *standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("年新增营业收入", rate, increase, raw))


@measure("2.6.3")
def dcmm_certification_award(f: Frame, p: ParamView) -> Outcome:
    tiers = {3: p.money("m2_6_3.level3"), 4: p.money("m2_6_3.level4"), 5: p.money("m2_6_3.level5")}
    level = f.integer("recognition_level")
    amount = np.zeros(f.n, dtype=np.int64)
    for lv, fen in tiers.items():
        amount = np.where(level == lv, fen, amount)
    conds = [
        _software(f),
        c.one_of(
            f,
            column="recognition_level",
            allowed=tuple(tiers),
            label="获DCMM三、四、五级认证",
            what="DCMM认证等级",
            fact="recognitions[kind=dcmm].level",
            value_names=DCMM_LEVEL_NAMES,
        ),
        *recognised(f, p, title="DCMM认证"),
    ]
    return Outcome(conds, amount, basis=fixed_basis("按认证等级一次性奖励", amount))


@measure("2.7.1")
def star_park_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="星级园区"))


@measure("2.7.2")
def china_famous_software_park_award(f: Frame, p: ParamView) -> Outcome:
    return fixed_award(f, p, award="m2_7_2.award", title="中国软件名园")
