"""一、推进数字新型基础设施建设: the money measures of 一（三） (工业互联网)."""

from __future__ import annotations

from huiqi.rules.frame import Frame
from huiqi.rules.parameters import ParamView
from huiqi.rules.policy import Outcome

from .formulas import fixed_award, measure, recognised


@measure("1.3.1")
def identifier_resolution_secondary_node(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="标识解析二级节点"))


@measure("1.3.2")
def national_cross_industry_platform_award(f: Frame, p: ParamView) -> Outcome:
    return fixed_award(f, p, award="m1_3_2.award", title="国家“双跨”平台")


@measure("1.3.3")
def industry_internet_platform_support(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="特色行业工业互联网平台"))


@measure("1.3.4")
def industrial_internet_security_provider_award(f: Frame, p: ParamView) -> Outcome:
    return Outcome(recognised(f, p, title="工业互联网安全服务机构"))
