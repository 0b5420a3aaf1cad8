from __future__ import annotations

from typing import Any, Literal

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
