from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# 应用场景领域: the fixed list a task is published under
FIELDS = (
    "人工智能",
    "5G",
    "工业互联网",
    "区块链",
    "大数据",
    "云计算",
    "物联网",
    "车联网",
    "数字孪生",
)
ScenarioField = Literal[
    "人工智能", "5G", "工业互联网", "区块链", "大数据", "云计算", "物联网", "车联网", "数字孪生"
]
Fen = Field(ge=1, le=10**15, description="金额，单位：分（整数）")


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200, description="榜单名称")
    field: ScenarioField = Field(description="应用场景领域：" + "、".join(FIELDS))
    problem: str = Field(min_length=1, max_length=5000, description="场景需求（待解决的问题）")
    requirements: str = Field(min_length=1, max_length=5000, description="揭榜要求")
    issuer: str = Field(min_length=1, max_length=200, description="发榜单位")
    budget_fen: int = Field(ge=1, le=10**15, description="预算指引（分）")
    deadline: dt.date = Field(description="揭榜截止日（北京时间，不早于发布当日）")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2022, le=2100, description="年度")
    title: str = Field(min_length=1, max_length=200, description="批次名称")
    tasks: list[TaskIn] = Field(min_length=1, max_length=50, description="本批次的榜单")


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    batch_id: int
    title: str
    field: str
    problem: str
    requirements: str
    issuer: str
    budget_fen: int
    deadline: dt.date


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    year: int
    title: str
    unit: str
    published_by: str
    tasks: list[TaskOut] = []


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200, description="里程碑")
    due: dt.date = Field(description="计划完成日期")


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="联合体成员单位名称")
    credit_code: str = Field(
        min_length=1, max_length=40, description="统一社会信用代码（GB 32100）"
    )


class BidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan: str = Field(min_length=1, max_length=10000, description="实施方案")
    budget_fen: int = Field(ge=1, le=10**15, description="项目预算（分）")
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=20, description="里程碑")
    members: list[MemberIn] = Field(
        default=[], max_length=10, description="联合体成员（牵头单位为本企业，不必列出）"
    )


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="理由")


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expert_ids: list[int] = Field(min_length=1, max_length=20, description="专家的用户编号")


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conflict_declared: bool = Field(
        description="回避声明：本人与揭榜各方（牵头单位与联合体成员）不存在利害关系；须为 true"
    )
    score: int = Field(ge=0, le=100, description="评分 0–100")
    comment: str = Field(default="", max_length=5000, description="评审意见")


class AgreementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signed_on: dt.date = Field(description="协议签订日（不晚于今天）")
    agreed_investment_fen: int = Field(ge=1, le=10**15, description="协议约定的项目总投入（分）")


class AssessIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passed: bool = Field(description="考核认定是否实施成功")
    assessed_on: dt.date = Field(description="考核认定日（不晚于今天）")
    report: str = Field(min_length=1, max_length=10000, description="考核报告（结论与依据）")
    total_investment_fen: int = Field(
        ge=1, le=10**15, description="考核认定的项目总投入（分）：3.6.1 按此计算"
    )


class PartyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    role: str
    name: str
    credit_code: str
    enterprise_id: int | None


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    bid_id: int
    expert_id: int
    expert_name: str = ""
    status: str
    score: int | None
    comment: str


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    milestone: int
    summary: str
    files: list[dict[str, object]]
    reported_by: str
    reported_on: dt.date


class BidOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    task_id: int
    lead_enterprise_id: int
    status: str
    status_zh: str = ""
    plan: str
    budget_fen: int
    milestones: list[dict[str, str]]
    submitted_by: str
    submitted_at: dt.datetime
    selection_reason: str | None
    decided_by: str | None
    agreement_signed_on: dt.date | None
    agreed_investment_fen: int | None
    assessment_passed: bool | None
    assessment_date: dt.date | None
    assessment_report: str | None
    assessed_investment_fen: int | None
    project_id: int | None
    application_id: int | None
    parties: list[PartyOut] = []
    scores: list[ScoreOut] = []
    reports: list[ReportOut] = []
    allowed: list[str] = Field(default=[], description="当前账号下一步可办理的操作")


def snapshot(bid: Any) -> dict[str, Any]:
    """The bid's audit image: its own fields, without the lists read from other tables."""
    out = BidOut.model_validate(bid).model_dump(mode="json")
    for key in ("parties", "scores", "reports", "allowed", "status_zh"):
        out.pop(key, None)
    return out
