from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expert_ids: list[int] = Field(
        min_length=1, max_length=20, description="专家/第三方机构的用户编号（GET /reviews/experts）"
    )


class ExpertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str


class OpinionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conflict_declared: bool = Field(
        description="回避声明：本人（本机构）与申报单位不存在利害关系，无需回避；须为 true"
    )
    opinion: Literal["agree", "disagree", "amend"] = Field(
        description="agree 同意 / disagree 不同意 / amend 修改金额建议"
    )
    score: int = Field(ge=0, le=100, description="评分 0–100")
    recommended_amount_fen: int | None = Field(
        default=None, ge=0, le=10**15, description="建议金额（分），不超过措施上限"
    )
    recommended_amount: str | None = Field(
        default=None,
        max_length=40,
        description="建议金额（元）的文字写法，如 “30万元”；与 recommended_amount_fen 二选一",
    )
    comment: str = Field(default="", max_length=5000, description="评审意见")


class OpinionForm(BaseModel):
    """The opinion form of the expert's page: the amount as people type it, the 回避 declaration
    a checkbox (absent when not ticked). Turned into OpinionIn for the service."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "opinion": "请选择评审结论",
        "score": "请填写 0–100 的整数评分",
    }
    conflict_declared: bool = False
    opinion: Literal["agree", "disagree", "amend"]
    score: int = Field(ge=0, le=100)
    recommended_amount: str | None = Field(default=None, max_length=40, title="建议金额")
    comment: str = Field(default="", max_length=5000, title="评审意见")

    def to_api(self) -> OpinionIn:
        return OpinionIn(**self.model_dump())


class RecuseForm(BaseModel):
    """The expert page's 申请回避 form."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {"recuse_reason:missing": "请说明需要回避的理由"}
    recuse_reason: str = Field(min_length=1, max_length=2000, title="回避理由")


class RecuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="回避理由")


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    application_id: int
    version: int
    expert_id: int
    expert_name: str = ""
    status: str
    conflict_declared: bool
    opinion: str | None
    score: int | None
    recommended_amount_fen: int | None
    comment: str
    assigned_by: str
    assigned_at: dt.datetime
    submitted_at: dt.datetime | None


class ExpertApplicationOut(BaseModel):
    """What an expert sees: the application's own material, nothing else about the firm."""

    assignment: AssignmentOut
    application_id: int
    status: str
    version: int
    measure_id: str
    measure_title: str
    measure_kind: str
    clause: str
    clause_words: str
    cap_fen: int | None = Field(description="措施上限（分，政策规定的最高金额）")
    formula_amount_fen: int | None = Field(
        default=None, description="政策公式金额（分，计算类措施按申报时快照测算）"
    )
    ceiling_fen: int | None = Field(
        default=None, description="建议金额上限（分）：计算类为政策公式金额，择优类为措施上限"
    )
    fiscal_year: int
    enterprise_name: str
    requested_amount_fen: int | None
    engine_status: str
    engine_amount_fen: int | None
    statement: str
    facts: dict[str, Any] = Field(
        description="冻结快照中与本申报有关的部分（企业名称与行业、相关年度数据、该措施所依据的认定或项目）"
    )
    evaluation: dict[str, Any] = Field(description="申报时引擎对该措施的测算结果")
