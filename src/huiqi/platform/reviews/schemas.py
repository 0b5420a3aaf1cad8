from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from huiqi.platform.applications.schemas import ApplicationOut


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["pass", "reject"]
    opinion: str = Field(default="", max_length=5000, description="审核意见")


class CityReviewIn(ReviewIn):
    needs_expert: bool = Field(default=False, description="是否需要专家评审/第三方审计")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    amount_fen: int | None = Field(
        default=None,
        ge=0,
        le=10**15,
        description="核定金额（分）；计算类默认引擎金额，只能调低并说明理由",
    )
    reason: str = Field(
        default="", max_length=5000, description="决定理由；调低金额或不予支持时必填"
    )


class DecisionOut(BaseModel):
    application: ApplicationOut
    budget_warning: str | None = None


class DuplicateCheckOut(BaseModel):
    flags: list[dict[str, Any]] = Field(description="可能重复支持的同类项目及原因")
    explained_by: str | None = None
    reason: str | None = Field(default=None, description="不属于重复支持的核查理由")
    confirmed_by: str | None = Field(default=None, description="确认理由的第二名审核员")


# ---- the officer's review page: one form per action --------------------------------------
# Nothing is pre-selected for an officer: a conclusion left unchosen is refused beside it.


class OutcomeForm(BaseModel):
    """District review, city re-check and the end of the expert step."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {"outcome": "请选择审核结论：通过或不通过"}
    outcome: Literal["pass", "reject"]
    opinion: str = Field(default="", max_length=5000, title="审核意见")
    needs_expert: bool = False


class AssignForm(BaseModel):
    """送专家评审: the experts or third parties invited."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {"expert_ids": "请至少选择一位专家或第三方机构"}
    expert_ids: list[int] = Field(min_length=1, max_length=20)


class ReturnForm(BaseModel):
    """退回补正: what the firm must correct, and the documents it must add."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {"return_reason:missing": "请写明需要企业补正的内容"}
    return_reason: str = Field(min_length=1, max_length=5000, title="补正内容")
    requested_documents: list[str] = Field(default_factory=list, max_length=50)


class DecisionForm(BaseModel):
    """作出决定 (the amount is read as people type it, beside this form)."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {"approve": "请选择决定：予以支持或不予支持"}
    approve: Literal["yes", "no"]
    reason: str = Field(default="", max_length=5000, title="决定理由")


class ObjectionRulingForm(BaseModel):
    """The ruling on an objection raised during 公示."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "upheld": "请选择异议成立或不成立",
        "objection_id": "未指定异议",
    }
    upheld: Literal["yes", "no"]
    objection_id: int = Field(ge=1, le=2**31 - 1)
    objection_reason: str = Field(default="", max_length=5000, title="核查结论")


REVIEW_FORMS: dict[str, type[BaseModel]] = {
    "district": OutcomeForm,
    "city": OutcomeForm,
    "expert": OutcomeForm,
    "assign": AssignForm,
    "return": ReturnForm,
    "decide": DecisionForm,
    "objection": ObjectionRulingForm,
}
