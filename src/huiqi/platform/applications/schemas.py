from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_id: int = Field(ge=1, le=2**31 - 1)
    measure_id: str = Field(min_length=1, max_length=32, description="措施编号，如 2.6.1")
    fiscal_year: int = Field(ge=2000, le=2100, description="申报所属会计年度")
    project_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="项目类措施必填")
    requested_amount_fen: int | None = Field(
        default=None, ge=1, le=10**15, description="择优类措施的申请金额（分）；计算类由引擎确定"
    )
    statement: str = Field(default="", max_length=5000, description="申报说明")


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    measure_id: str
    fiscal_year: int
    project_id: int | None
    status: str
    source: str
    policy_id: str
    policy_version: str
    engine_status: str
    engine_amount_fen: int | None
    requested_amount_fen: int | None
    decided_amount_fen: int | None
    decision_reason: str | None
    statement: str
    created_by: str
    submitted_at: dt.datetime
    first_submitted_at: dt.datetime | None = Field(default=None, description="首次提交时间")
    application_date: dt.date | None = Field(
        default=None, description="申报日：提交当日（北京时间），按此日测算"
    )
    district: str | None = Field(default=None, description="提交时企业所在区（决定审核与拨付路由）")
    round_id: int | None = Field(default=None, description="所属申报批次")
    version: int = Field(description="快照版本：提交为 1，每次退回补正后修改重交加 1")


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    stage: str
    outcome: str
    opinion: str
    reviewer: str
    details: dict[str, Any]
    created_at: dt.datetime


class ApplicationDetail(ApplicationOut):
    facts: dict[str, Any] = Field(
        description="申报时冻结的事实（与 huiqi evaluate 的案例 JSON 相同）"
    )
    evaluation: dict[str, Any] = Field(description="申报时引擎对该措施的测算结果")
    reviews: list[ReviewOut]


class StatsRow(BaseModel):
    measure_id: str
    status: str
    count: int
    amount_fen: int


class BudgetStat(BaseModel):
    measure_id: str
    fiscal_year: int
    total_fen: int
    committed_fen: int
    paid_fen: int


class StatsOut(BaseModel):
    by_measure_status: list[StatsRow]
    budgets: list[BudgetStat]


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=5000, description="理由（退回补正时写明需补正的内容）"
    )


class ReturnIn(ReasonIn):
    requested_documents: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="要求补交的材料类别（见 /materials/requirements/{measure_id}）；"
        "补正时须上传每一类的新文件",
    )


class AmendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requested_amount_fen: int | None = Field(
        default=None, ge=1, le=10**15, description="择优类措施修改后的申请金额（分）；不填则沿用"
    )
    statement: str | None = Field(default=None, max_length=5000, description="修改后的申报说明")


class VersionOut(BaseModel):
    version: int
    current: bool
    policy_id: str
    policy_version: str
    engine_status: str
    engine_amount_fen: int | None
    requested_amount_fen: int | None
    statement: str
    submitted_at: dt.datetime


class VersionDetail(VersionOut):
    facts: dict[str, Any]
    evaluation: dict[str, Any]


class ActionOut(BaseModel):
    action: str
    label: str
    to_status: str
    guards: list[str]


class TransitionOut(BaseModel):
    from_status: str | None
    action: str
    label: str
    to_status: str
    actors: list[str]
    guards: list[str]
    audit_action: str


def snapshot(app: Any) -> dict[str, Any]:
    """An application as the audit trail records it before and after a change."""
    return ApplicationOut.model_validate(app).model_dump(mode="json")
