from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class BatchIn(BaseModel):
    # the officer's 发布公示 page words a refusal beside the field
    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "application_ids": "请至少勾选一份已决定支持的申报",
        "title:missing": "请填写公示标题",
        "title:string_too_short": "请填写公示标题",
        "start_date": "应为日期（YYYY-MM-DD）",
        "working_days": "公示期应为 1–30 个工作日",
    }
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    application_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=5000
    )
    start_date: dt.date | None = Field(default=None, description="公示开始日期，默认今天")
    working_days: int | None = Field(
        default=None, ge=1, le=30, description="公示期（工作日），默认 5"
    )


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    start_date: dt.date
    working_days: int
    end_date: dt.date
    status: str
    created_by: str


class ItemOut(BaseModel):
    application_id: int
    enterprise_name: str
    credit_code: str
    district: str
    measure_id: str
    measure_title: str
    amount_fen: int | None
    state: str = Field(description="listed 公示中 | objected 有异议·核查中 | passed | upheld")
    state_zh: str = ""
    notes: list[str] = Field(default_factory=list, description="异议核查结论（不成立的理由）")


class BatchDetail(BatchOut):
    items: list[ItemOut]


class ObjectionIn(BaseModel):
    # the 公示 page's 实名异议 form words a refusal beside the field
    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "real_name": "请填写真实姓名（至少 2 个字）",
        "contact": "请填写联系电话或邮箱（至少 5 位）",
        "reason": "请写明异议事实与理由（至少 5 个字）",
        "evidence": "请提供证据说明或材料链接",
        "application_id": "请填写被异议申报的编号（名单“申报编号”一列）",
    }
    model_config = ConfigDict(extra="forbid")
    application_id: int = Field(ge=1, le=2**31 - 1)
    real_name: str = Field(min_length=2, max_length=64, description="异议人真实姓名（实名）")
    contact: str = Field(min_length=5, max_length=64, description="联系电话或邮箱")
    reason: str = Field(min_length=5, max_length=5000, description="异议事实与理由")
    evidence: str = Field(min_length=1, max_length=10000, description="证据说明或材料链接")


class ObjectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    batch_id: int
    application_id: int
    real_name: str
    reason: str
    created_at: dt.datetime


class ObjectionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    upheld: bool = Field(description="true：异议成立（退回复核、释放预算）；false：不成立")
    reason: str = Field(min_length=1, max_length=5000, description="核查结论的理由（不成立时公开）")


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    kind: Literal["holiday", "workday"] = Field(
        description="holiday：法定节假日（不上班）；workday：调休上班（周末上班）"
    )
    name: str = Field(min_length=1, max_length=64, description="节日名称，如 春节")


class CalendarYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: list[CalendarDayIn] = Field(min_length=1, max_length=366)


class CalendarYearOut(BaseModel):
    year: int
    source: str = Field(
        description="recorded：管理员录入；package：国务院安排（内置）；missing：未录入"
    )
    days: list[CalendarDayIn] = Field(description="管理员录入的日期（优先于内置安排）")
    package_holidays: list[dt.date]
    package_workdays: list[dt.date]


class PublicObjectionOut(BaseModel):
    """What a member of the public gets back: no echo of the identity numbers."""

    id: int
    batch_id: int
    application_id: int
    evidence_files: int
    created_at: dt.datetime
    message: str


class EvidenceOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    url: str


class ObjectionDetail(BaseModel):
    """An objection as officers in scope see it: identity numbers masked."""

    id: int
    batch_id: int
    channel: str = Field(description="login：登录用户；public：公众实名（免登录）")
    real_name: str
    id_number: str | None = Field(description="居民身份证号码（脱敏）")
    phone: str | None = Field(description="手机号码（脱敏）")
    contact: str | None
    reason: str
    evidence_note: str
    filed_by: str
    created_at: dt.datetime
    files: list[EvidenceOut]
    status: str = Field(
        default="pending", description="pending 核查中 | upheld 成立 | dismissed 不成立"
    )
    decision_reason: str | None = None
    decided_by: str | None = None
