from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from huiqi.platform.policy import place_region

Size = Literal["large", "medium", "small", "micro"]
CreditStatus = Literal["normal", "serious_discredit"]
FenAmount = Field(ge=0, le=10**15, description="金额，单位：分（整数）")
# The years a firm's figures, a claim or a screening may be about: written once, here.
YEAR_MIN, YEAR_MAX = 2000, 2100
YEAR_RANGE_ZH = f"年度应在 {YEAR_MIN}–{YEAR_MAX} 之间"
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX, description="年度（四位数字）")]


def year_in_range(year: int) -> bool:
    return YEAR_MIN <= year <= YEAR_MAX


class FigureForm(BaseModel):
    """The year of the 一企一档 page's 年度数据 form (amounts are read as people type them)."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "year": f"年度应为 {YEAR_MIN}–{YEAR_MAX} 之间的四位数字"
    }
    year: Year


class CalculatorFiguresForm(BaseModel):
    """The year of the figures a firm confirmed in the calculator."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {"fiscal_year": "财务数据年度有误，未保存"}
    fiscal_year: Year


class EnterpriseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credit_code: str = Field(
        min_length=1, max_length=40, description="统一社会信用代码（GB 32100）"
    )
    name: str = Field(min_length=1, max_length=200)
    district: str = Field(min_length=1, max_length=64, description="所属区，如 东湖高新区")
    industry: str = Field(default="", max_length=64)
    size: Size = "small"
    is_software: bool = False
    registered_on: dt.date | None = None
    credit_status: CreditStatus = "normal"


class EnterpriseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    district: str | None = Field(default=None, min_length=1, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    size: Size | None = None
    is_software: bool | None = None
    registered_on: dt.date | None = None
    credit_status: CreditStatus | None = Field(default=None, description="仅管理员可改")


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    credit_code: str
    name: str
    district: str
    industry: str
    size: str
    is_software: bool
    registered_on: dt.date | None
    credit_status: str


class FigureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    revenue_fen: int | None = Field(default=None, ge=0, le=10**15, description="年营业收入（分）")
    rd_expense_fen: int | None = Field(
        default=None, ge=0, le=10**15, description="年研发投入（分）"
    )
    employees: int | None = Field(
        default=None,
        ge=0,
        le=10_000_000,
        description="从业人员（人，中小微企业划型用；不填则保持原值）",
    )


class FigureOut(FigureIn):
    model_config = ConfigDict(from_attributes=True)
    year: int


class RecognitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(
        min_length=1, max_length=64, description="认定类型，见政策 recognition_kinds，如 dcmm"
    )
    level: str | None = Field(default=None, max_length=32, description="等级，如 DCMM 的 3")
    name: str = Field(default="", max_length=200)
    granted_on: dt.date
    authority: str = Field(default="", max_length=128)


class RecognitionOut(RecognitionIn):
    model_config = ConfigDict(from_attributes=True)
    id: int


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=64, description="项目类型，见政策 project_kinds")
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="按项目类型的字段：金额字段名加 _fen 后缀、以分为单位；日期为 YYYY-MM-DD",
    )


class ProjectOut(ProjectIn):
    model_config = ConfigDict(from_attributes=True)
    id: int


class PenaltyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decided_on: dt.date
    major: bool = Field(default=False, description="重大行政处罚（申报指南只排除重大处罚）")
    authority: str = Field(default="", max_length=128)
    summary: str = Field(default="", max_length=2000)


class PenaltyOut(PenaltyIn):
    model_config = ConfigDict(from_attributes=True)
    id: int


class CreditOut(BaseModel):
    blocked: bool
    reasons: list[str]


class ProfileOut(EnterpriseOut):
    figures: list[FigureOut]
    recognitions: list[RecognitionOut]
    projects: list[ProjectOut]
    penalties: list[PenaltyOut]
    credit: CreditOut


class ImportResult(BaseModel):
    created: int
    updated: int


class DistrictChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    district: str = Field(min_length=1, max_length=64, description=f"{place_region()}的区或功能区")
    reason: str = Field(min_length=1, max_length=2000, description="变更依据，如工商登记变更")
