"""Formulas of 武政规〔2022〕6号, one per money measure, over columns.

Each returns the measure's conditions (which explain themselves) and, where the text fixes
the amount, the amount in fen before the cap. Caps, one-time and once-a-year rules and
就高不重复 are applied by the engine from measures.yaml. Functions are named after the
legal concept; the measure ID binds them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from huiqi.rules import conditions as c
from huiqi.rules.frame import Frame, IntArray, add_years, year_of
from huiqi.rules.money import format_wan
from huiqi.rules.parameters import ParamView
from huiqi.rules.policy import Formula, Outcome
from huiqi.rules.standard import (
    enterprise_standing,
    fixed_basis,
    percent,
    percent_basis,
    within_window,
)

FORMULAS: dict[str, Formula] = {}


def measure(measure_id: str) -> Callable[[Formula], Formula]:
    def bind(fn: Formula) -> Formula:
        FORMULAS[measure_id] = fn
        return fn

    return bind


def _recognised(f: Frame, p: ParamView, title: str) -> list[c.Condition]:
    """The common test of a recognition-based measure: recognised, inside the window."""
    return [
        within_window(f, p, "recognition_date", f"{title}认定日期", "recognitions[].date"),
        *enterprise_standing(f, p),
    ]


def _dated_project(f: Frame, p: ParamView, column: str, what: str) -> list[c.Condition]:
    """A project measure left to review: its key date inside the window, credit in order."""
    return [
        within_window(f, p, column, what, f"projects[].{column}"),
        *enterprise_standing(f, p),
    ]


def _fixed_award(f: Frame, p: ParamView, param: str, title: str) -> Outcome:
    """A recognition paid as one fixed sum (一次性奖励)."""
    award = p.money(param)
    amount = np.full(f.n, award, dtype=np.int64)
    return Outcome(_recognised(f, p, title), amount, basis=fixed_basis("一次性奖励", award))


def _software(f: Frame) -> c.Condition:
    return c.flag(f, "software_enterprise", "属于软件企业", "enterprise.software_enterprise")


def _annual_claim(f: Frame, p: ParamView) -> list[c.Condition]:
    """Annual measures under the reading window.annual_basis: claim_date = claimed inside
    the window, on the last complete fiscal year; fiscal_year = the fiscal year overlaps the
    window, whatever the claim date."""
    if p.get("window.annual_basis") == "fiscal_year":
        first, last = p.date("window.start").year, p.date("window.end").year
        return [
            c.integer_between(
                f,
                "fiscal_year",
                first,
                last,
                f"财务数据年度与政策有效期有交集（{first}–{last}年度）",
                "财务数据年度",
                "fiscal_year",
            )
        ]
    lag = p.integer("interpretation.annual_fiscal_year_lag")
    expected = year_of(f.date("as_of")) - lag
    return [
        within_window(f, p, "as_of", "申报日", "as_of"),
        c.integer_equals(
            f, "fiscal_year", expected, "财务数据为上一完整会计年度", "会计年度", "fiscal_year"
        ),
    ]


# 一（三） ------------------------------------------------------------------------------


@measure("1.3.1")
def identifier_resolution_secondary_node(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "标识解析二级节点"))


@measure("1.3.2")
def national_cross_industry_platform_award(f: Frame, p: ParamView) -> Outcome:
    return _fixed_award(f, p, "m1_3_2.award", "国家“双跨”平台")


@measure("1.3.3")
def industry_internet_platform_support(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "特色行业工业互联网平台"))


@measure("1.3.4")
def industrial_internet_security_provider_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "工业互联网安全服务机构"))


# 二 ---------------------------------------------------------------------------------


@measure("2.1.1")
def key_technology_breakthrough(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_dated_project(f, p, "approval_date", "攻关项目立项日期"))


@measure("2.2.1")
def major_event_cost_subsidy(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_dated_project(f, p, "event_date", "活动举办日期"))


@measure("2.3.1")
def public_service_platform_subsidy(f: Frame, p: ParamView) -> Outcome:
    levels = tuple(p.get("m2_3_1.recognition_levels"))
    rate = p.rate("m2_3_1.rate")
    investment = f.money("software_investment") + f.money("hardware_investment")
    raw = percent(investment, rate, p)
    conds = [
        c.one_of(
            f,
            "recognition_level",
            levels,
            "经市级以上主管部门认定",
            "认定层级",
            "projects[].recognition_level",
            {"municipal": "市级", "provincial": "省级", "national": "国家级"},
        ),
        within_window(f, p, "recognition_date", "平台认定日期", "projects[].recognition_date"),
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
        *enterprise_standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("软件和硬件设备投资额", rate, investment, raw))


@measure("2.3.2")
def national_platform_landing(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_dated_project(f, p, "landing_date", "平台项目落地日期"))


@measure("2.5.1")
def core_industry_project_incentive(f: Frame, p: ParamView) -> Outcome:
    threshold = p.money("m2_5_1.investment_threshold")
    inclusive = p.flag("interpretation.yishang_inclusive")
    above = "以上（含本数）" if inclusive else "以上（不含本数）"
    return Outcome(
        [
            c.flag(f, "newly_introduced", "新引进项目", "projects[].newly_introduced"),
            c.at_least(
                f,
                "total_investment",
                threshold,
                f"总投资{format_wan(threshold)}{above}",
                "总投资",
                "projects[].total_investment",
                strict=not inclusive,
            ),
            within_window(
                f, p, "introduction_date", "项目引进日期", "projects[].introduction_date"
            ),
            *enterprise_standing(f, p),
        ]
    )


@measure("2.6.1")
def software_rd_subsidy(f: Frame, p: ParamView) -> Outcome:
    rate = p.rate("m2_6_1.rate")
    revenue_min, ratio = p.money("m2_6_1.revenue_threshold"), p.rate("m2_6_1.rd_ratio")
    rd = f.money("rd_expense")
    raw = percent(rd, rate, p)
    conds = [
        _software(f),
        c.at_least(
            f,
            column="revenue",
            threshold_fen=revenue_min,
            label=f"年营业收入{format_wan(revenue_min)}及以上",
            what="年营业收入",
            fact="annual[fiscal_year].revenue",
        ),
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
        *enterprise_standing(f, p),
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
        _software(f),
        c.at_least(
            f,
            column="revenue",
            threshold_fen=revenue_min,
            label=f"年营业收入{format_wan(revenue_min)}及以上",
            what="年营业收入",
            fact="annual[fiscal_year].revenue",
        ),
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
        *enterprise_standing(f, p),
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
            "recognition_level",
            tuple(tiers),
            "获DCMM三、四、五级认证",
            "DCMM认证等级",
            "recognitions[kind=dcmm].level",
            {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"},
        ),
        *_recognised(f, p, "DCMM认证"),
    ]
    return Outcome(conds, amount, basis=fixed_basis("按认证等级一次性奖励", amount))


@measure("2.7.1")
def star_park_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "星级园区"))


@measure("2.7.2")
def china_famous_software_park_award(f: Frame, p: ParamView) -> Outcome:
    return _fixed_award(f, p, "m2_7_2.award", "中国软件名园")


# 三 ---------------------------------------------------------------------------------


def _construction_limit(f: Frame, p: ParamView, years: int) -> tuple[IntArray, str]:
    """The last day construction may end, by the reading m3_1_1.construction_period_basis."""
    start = f.date("construction_start")
    if p.get("m3_1_1.construction_period_basis") == "days_365":
        return start + 365 * years, f"开工后{years}×365天之日"
    return add_years(start, years), f"开工后{years}年之日"


def _construction_in_window(f: Frame, p: ParamView) -> c.Condition:
    """Which date of the project must lie in the window, by the reading m3_1_1.window_basis."""
    basis = p.get("m3_1_1.window_basis")
    if basis == "construction_start":
        return within_window(
            f, p, "construction_start", "项目开工日期", "projects[].construction_start"
        )
    if basis == "overlap":
        return c.dates_overlap(
            f,
            "construction_start",
            "construction_end",
            p.date("window.start"),
            p.date("window.end"),
            "建设期与政策有效期有交集",
            "建设期",
            "projects[].construction_start/construction_end",
        )
    return within_window(f, p, "construction_end", "项目竣工日期", "projects[].construction_end")


@measure("3.1.1")
def smart_transformation_subsidy(f: Frame, p: ParamView) -> Outcome:
    rate = p.rate("m3_1_1.rate")
    years = p.integer("m3_1_1.max_construction_years")
    equipment_min = p.money("m3_1_1.equipment_threshold")
    base = f.money("productive_equipment_investment") + f.money("rd_investment")
    raw = percent(base, rate, p)
    limit, limit_what = _construction_limit(f, p, years)
    conds = [
        c.at_least(
            f,
            "equipment_investment",
            equipment_min,
            f"设备投资达到{format_wan(equipment_min)}及以上",
            "设备投资",
            "projects[].equipment_investment",
        ),
        c.date_not_after(
            f,
            "construction_end",
            limit,
            f.known("construction_start"),
            f"建设期最长不超过{years}年",
            "竣工日期",
            limit_what,
            "projects[].construction_start/construction_end",
        ),
        c.date_not_after(
            f,
            "construction_start",
            f.date("construction_end"),
            f.known("construction_end"),
            "开工日期不晚于竣工日期",
            "开工日期",
            "竣工日期",
            "projects[].construction_start",
        ),
        _construction_in_window(f, p),
        c.required(
            f,
            column="productive_equipment_investment",
            what="生产性设备投资",
            fact="projects[].productive_equipment_investment",
        ),
        c.required(f, column="rd_investment", what="研发投入", fact="projects[].rd_investment"),
        *enterprise_standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("生产性设备投资及研发投入总额", rate, base, raw))


@measure("3.1.2")
def provincial_fund_matching_award(f: Frame, p: ParamView) -> Outcome:
    """Any investment project with provincial 专项资金 or 融资支持: 20% of the support amount
    the province granted (for financing, the support such as an interest subsidy, never the
    loan principal). A smart-transformation project may carry the same support."""
    rate = p.rate("m3_1_2.rate")
    kinds = tuple(p.get("m3_1_2.support_kinds"))
    amount_known = f.known("provincial_support_amount")
    support = np.where(
        amount_known, f.money("provincial_support_amount"), f.money("provincial_support")
    )
    support_known = amount_known | f.known("provincial_support")
    raw = percent(support, rate, p)
    conds = [
        c.positive_amount(
            support,
            support_known,
            "获得省级专项资金或融资支持（支持资金额度大于0）",
            "省级支持资金额度",
            "projects[].provincial_support_amount",
        ),
        c.one_of_if_given(
            f,
            "provincial_support_kind",
            kinds,
            "省级支持为制造业高质量发展专项资金或融资支持",
            "省级支持类别",
            "projects[].provincial_support_kind",
            {
                "special_fund": "专项资金",
                "financing": "融资支持（按省级给予的支持额度计，不含贷款本金）",
            },
        ),
        within_window(
            f, p, "provincial_support_date", "省级支持日期", "projects[].provincial_support_date"
        ),
        *enterprise_standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("省级支持资金额度", rate, support, raw))


@measure("3.1.3")
def smart_factory_recognition_award(f: Frame, p: ParamView) -> Outcome:
    kinds = ("lighthouse_factory", "benchmark_smart_factory", "smart_transformation_demo")
    kind = f.text("recognition_kind")
    amount = np.zeros(f.n, dtype=np.int64)
    for k in kinds:
        amount = np.where(kind == k, p.money(f"m3_1_3.{k}"), amount)
    conds = [
        c.one_of(
            f,
            "recognition_kind",
            kinds,
            "认定为灯塔工厂、标杆智能工厂或智能化改造示范项目",
            "认定类别",
            "recognitions[].kind",
            {
                "lighthouse_factory": "全球灯塔工厂",
                "benchmark_smart_factory": "市级标杆智能（链主）工厂",
                "smart_transformation_demo": "市级智能化改造示范项目",
            },
        ),
        *_recognised(f, p, "工厂/项目"),
    ]
    return Outcome(conds, amount, basis=fixed_basis("按最高认定等级一次性奖励", amount))


@measure("3.2.1")
def cloud_service_voucher(f: Frame, p: ParamView) -> Outcome:
    sizes = tuple(p.get("m3_2_1.small_micro_sizes"))
    return Outcome(
        [
            c.one_of(
                f,
                "size",
                sizes,
                "属于小微企业",
                "企业规模",
                "enterprise.size",
                {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"},
            ),
            within_window(f, p, "service_date", "上云服务日期", "projects[].service_date"),
            *enterprise_standing(f, p),
        ]
    )


@measure("3.2.2")
def resource_pool_excellent_provider_support(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "资源池年度评价优秀"))


@measure("3.3.1")
def service_digital_leader_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "服务业数字化领军企业"))


@measure("3.3.2")
def featured_industry_platform_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "特色产业平台"))


@measure("3.3.3")
def ecommerce_demo_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "电子商务示范"))


@measure("3.3.4")
def ito_manufacturing_key_enterprise_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_recognised(f, p, "信息技术外包和制造业融合发展重点企业"))


@measure("3.5.1")
def construction_digital_demo_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(_dated_project(f, p, "recognition_date", "示范项目认定日期"))


@measure("3.6.1")
def scenario_challenge_support(f: Frame, p: ParamView) -> Outcome:
    rate = p.rate("m3_6_1.rate")
    investment = f.money("total_investment")
    raw = percent(investment, rate, p)
    conds = [
        c.flag(f, "assessment_passed", "揭榜后经考核认定实施成功", "projects[].assessment_passed"),
        within_window(f, p, "assessment_date", "考核认定日期", "projects[].assessment_date"),
        c.required(
            f, column="total_investment", what="项目总投入", fact="projects[].total_investment"
        ),
        *enterprise_standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("项目总投入", rate, investment, raw))
