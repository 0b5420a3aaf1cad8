"""三、促进产业数字化转型: smart transformation (三（一）), cloud services and the resource
pool (三（二）), service-industry digitalisation (三（三）), construction (三（五）) and
scenario challenges (三（六）)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from huiqi.rules import conditions as c
from huiqi.rules.frame import BoolArray, Frame, IntArray, add_years
from huiqi.rules.money import format_ratio_bp, format_wan, format_yuan
from huiqi.rules.parameters import ParamView
from huiqi.rules.policy import Outcome
from huiqi.rules.standard import (
    fixed_basis,
    percent,
    percent_basis,
    within_window,
)

from .formulas import dated_project, measure, recognised, standing

PROVINCIAL_SUPPORT_NAMES = {
    "special_fund": "专项资金",
    "financing": "融资支持（按省级给予的支持额度计，不含贷款本金）",
}
SMART_FACTORY_KINDS = ("lighthouse_factory", "benchmark_smart_factory", "smart_transformation_demo")
SMART_FACTORY_NAMES = {
    "lighthouse_factory": "全球灯塔工厂",
    "benchmark_smart_factory": "市级标杆智能（链主）工厂",
    "smart_transformation_demo": "市级智能化改造示范项目",
}
SIZE_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


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
            f,
            p,
            column="construction_start",
            what="项目开工日期",
            fact="projects[].construction_start",
        )
    if basis == "overlap":
        return c.dates_overlap(
            f,
            start_column="construction_start",
            end_column="construction_end",
            start=p.date("window.start"),
            end=p.date("window.end"),
            label="建设期与政策有效期有交集",
            what="建设期",
            fact="projects[].construction_start/construction_end",
        )
    return within_window(
        f, p, column="construction_end", what="项目竣工日期", fact="projects[].construction_end"
    )


@measure("3.1.1")
def smart_transformation_subsidy(f: Frame, p: ParamView) -> Outcome:
    rate = p.rate("m3_1_1.rate")
    years = p.integer("m3_1_1.max_construction_years")
    equipment_min = p.money("m3_1_1.equipment_threshold")
    base = f.money("productive_equipment_investment") + f.money("rd_investment")
    raw = percent(base, rate, p)
    latest_end, latest_what = _construction_limit(f, p, years)
    conds = [
        c.at_least(
            f,
            column="equipment_investment",
            threshold_fen=equipment_min,
            label=f"设备投资达到{format_wan(equipment_min)}及以上",
            what="设备投资",
            fact="projects[].equipment_investment",
        ),
        c.date_not_after(
            f,
            column="construction_end",
            latest=latest_end,
            latest_known=f.known("construction_start"),
            label=f"建设期最长不超过{years}年",
            what="竣工日期",
            latest_what=latest_what,
            fact="projects[].construction_start/construction_end",
        ),
        c.date_not_after(
            f,
            column="construction_start",
            latest=f.date("construction_end"),
            latest_known=f.known("construction_end"),
            label="开工日期不晚于竣工日期",
            what="开工日期",
            latest_what="竣工日期",
            fact="projects[].construction_start",
        ),
        _construction_in_window(f, p),
        c.required(
            f,
            column="productive_equipment_investment",
            what="生产性设备投资",
            fact="projects[].productive_equipment_investment",
        ),
        c.required(f, column="rd_investment", what="研发投入", fact="projects[].rd_investment"),
        *standing(f, p),
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
    raw = percent(support, rate, p)
    conds = [
        c.positive_amount(
            values=support,
            known=amount_known | f.known("provincial_support"),
            label="获得省级专项资金或融资支持（支持资金额度大于0）",
            what="省级支持资金额度",
            fact="projects[].provincial_support_amount",
        ),
        c.one_of_if_given(
            f,
            column="provincial_support_kind",
            allowed=kinds,
            label="省级支持为制造业高质量发展专项资金或融资支持",
            what="省级支持类别",
            fact="projects[].provincial_support_kind",
            value_names=PROVINCIAL_SUPPORT_NAMES,
        ),
        within_window(
            f,
            p,
            column="provincial_support_date",
            what="省级支持日期",
            fact="projects[].provincial_support_date",
        ),
        *standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("省级支持资金额度", rate, support, raw))


@measure("3.1.3")
def smart_factory_recognition_award(f: Frame, p: ParamView) -> Outcome:
    kind = f.text("recognition_kind")
    amount = np.zeros(f.n, dtype=np.int64)
    for k in SMART_FACTORY_KINDS:
        amount = np.where(kind == k, p.money(f"m3_1_3.{k}"), amount)
    conds = [
        c.one_of(
            f,
            column="recognition_kind",
            allowed=SMART_FACTORY_KINDS,
            label="认定为灯塔工厂、标杆智能工厂或智能化改造示范项目",
            what="认定类别",
            fact="recognitions[].kind",
            value_names=SMART_FACTORY_NAMES,
        ),
        *recognised(f, p, title="工厂/项目"),
    ]
    return Outcome(conds, amount, basis=fixed_basis("按最高认定等级一次性奖励", amount))


@measure("3.2.1")
def cloud_service_voucher(f: Frame, p: ParamView) -> Outcome:
    """The text leaves the ratio and caps to the 奖补标准 the city publishes each year. A case
    carrying the standard's figures (catalogue price, the class's ratio and cap, and the firm's
    yearly total cap with what it already took) is computed exactly; one without is left to
    review. The platform supplies the figures from the published standard: no I/O here."""
    standard = f.known("catalogue_price") & f.known("subsidy_ratio_bp") & f.known("class_cap")
    amount = voucher_amount(
        f.money("catalogue_price"),
        f.integer("subsidy_ratio_bp"),
        f.money("class_cap"),
        f.money("annual_cap"),
        f.known("annual_cap"),
        f.money("annual_used"),
    )
    conds = [
        c.one_of(
            f,
            column="size",
            allowed=tuple(p.get("m3_2_1.small_micro_sizes")),
            label="属于小微企业",
            what="企业规模",
            fact="enterprise.size",
            value_names=SIZE_NAMES,
        ),
        within_window(
            f, p, column="service_date", what="上云服务日期", fact="projects[].service_date"
        ),
        *standing(f, p),
    ]
    return Outcome(conds, amount, basis=_voucher_basis(f, amount), review=~standard)


def voucher_amount(
    price: IntArray,
    ratio_bp: IntArray,
    class_cap: IntArray,
    annual_cap: IntArray,
    annual_capped: BoolArray,
    annual_used: IntArray,
) -> IntArray:
    """min(price × ratio rounded half-up to the fen, class cap), then within what is left of
    the firm's yearly total cap (where the standard sets one). Integer fen throughout."""
    # split so price × ratio never overflows int64: price = q·10000 + m
    q, m = np.divmod(price, 10000)
    by_ratio = q * ratio_bp + (m * ratio_bp + 5000) // 10000
    capped = np.minimum(by_ratio, class_cap)
    left = np.maximum(annual_cap - annual_used, 0)
    amount: IntArray = np.where(annual_capped, np.minimum(capped, left), capped)
    return amount


def _voucher_basis(f: Frame, amount: IntArray) -> Callable[[int], str]:
    price, ratio = f.money("catalogue_price"), f.integer("subsidy_ratio_bp")
    cap, year, klass = f.money("class_cap"), f.integer("standard_year"), f.text("product_class")
    annual_known, annual = f.known("annual_cap"), f.money("annual_cap")
    used = f.money("annual_used")

    def basis(i: int) -> str:
        pct = format_ratio_bp(int(ratio[i]))
        text = (
            f"按{int(year[i])}年度奖补标准（{klass[i] or '—'}类：奖补比例{pct}，"
            f"单项上限{format_yuan(int(cap[i]))}）：目录价格{format_yuan(int(price[i]))}"
            f" × {pct}（四舍五入到分），不超过单项上限"
        )
        if annual_known[i]:
            text += (
                f"，且不超过企业年度服务券总额上限{format_yuan(int(annual[i]))}"
                f"（本年度已领{format_yuan(int(used[i]))}）"
            )
        return f"{text} = {format_yuan(int(amount[i]))}"

    return basis


@measure("3.2.2")
def resource_pool_excellent_provider_support(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="资源池年度评价优秀"))


@measure("3.3.1")
def service_digital_leader_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="服务业数字化领军企业"))


@measure("3.3.2")
def featured_industry_platform_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="特色产业平台"))


@measure("3.3.3")
def ecommerce_demo_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="电子商务示范"))


@measure("3.3.4")
def ito_manufacturing_key_enterprise_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="信息技术外包和制造业融合发展重点企业"))


@measure("3.5.1")
def construction_digital_demo_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(dated_project(f, p, column="recognition_date", what="示范项目认定日期"))


@measure("3.6.1")
def scenario_challenge_support(f: Frame, p: ParamView) -> Outcome:
    rate = p.rate("m3_6_1.rate")
    investment = f.money("total_investment")
    raw = percent(investment, rate, p)
    conds = [
        c.flag(
            f,
            column="assessment_passed",
            label="揭榜后经考核认定实施成功",
            fact="projects[].assessment_passed",
        ),
        within_window(
            f,
            p,
            column="assessment_date",
            what="考核认定日期",
            fact="projects[].assessment_date",
        ),
        c.required(
            f, column="total_investment", what="项目总投入", fact="projects[].total_investment"
        ),
        *standing(f, p),
    ]
    return Outcome(conds, raw, basis=percent_basis("项目总投入", rate, investment, raw))
