from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ProviderKind = Literal["platform", "service"]
KIND_ZH = {"platform": "平台商", "service": "服务商"}
Fen = Field(ge=1, le=10**12, description="金额，单位：分（整数）")
ProductClass = Field(min_length=1, max_length=32, description="产品类别（与奖补标准一致）")


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credit_code: str = Field(min_length=1, max_length=40, description="统一社会信用代码")
    name: str = Field(min_length=1, max_length=200)
    kind: ProviderKind = Field(description="platform 平台商 | service 服务商")


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=2000, description="理由（不予入池、暂停、移出须填）")


class ProviderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    credit_code: str
    name: str
    kind: str
    status: str
    status_reason: str
    enterprise_id: int | None
    applied_at: dt.datetime


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    product_class: str = ProductClass
    price_fen: int = Fen
    description: str = Field(default="", max_length=2000)


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    provider_id: int
    name: str
    product_class: str
    price_fen: int
    description: str


class ClassStandardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_class: str = ProductClass
    ratio_bp: int = Field(ge=1, le=10000, description="奖补比例，万分之一（3000 = 30%）")
    cap_fen: int = Fen


class CatalogueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2022, le=2100, description="年度")
    effective_from: dt.date = Field(description="生效日期（北京时间，不早于今天）")
    title: str = Field(min_length=1, max_length=200)
    product_ids: list[int] = Field(min_length=1, max_length=2000, description="纳入目录的产品")
    standards: list[ClassStandardIn] = Field(min_length=1, max_length=100)
    annual_cap_fen: int | None = Field(
        default=None, ge=1, le=10**12, description="企业年度服务券总额上限（分，可不设）"
    )


class CatalogueItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    product_id: int
    product_class: str
    price_fen: int
    product_name: str = ""
    provider_name: str = ""


class ClassStandardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    product_class: str
    ratio_bp: int
    cap_fen: int


class CatalogueOut(BaseModel):
    id: int
    year: int
    version: int
    effective_from: dt.date
    title: str
    annual_cap_fen: int | None
    published_by: str
    published_at: dt.datetime
    standards: list[ClassStandardOut]
    items: list[CatalogueItemOut]


class VoucherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: int = Field(ge=1, le=2**31 - 1, description="目录内产品")


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: int = Field(ge=1, le=5, description="服务评价（1–5 分）")
    comment: str = Field(default="", max_length=2000)


class VoucherOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    provider_id: int
    product_id: int
    catalogue_id: int
    project_id: int
    year: int
    product_class: str
    price_fen: int
    ratio_bp: int
    class_cap_fen: int
    annual_cap_fen: int | None
    annual_used_fen: int
    amount_fen: int
    status: str
    explanation: dict[str, Any]
    size_decision: dict[str, Any]
    application_id: int | None
    rating: int | None
    rating_comment: str
    issued_on: dt.date


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider_id: int = Field(ge=1, le=2**31 - 1)
    year: int = Field(ge=2022, le=2100)
    officer_score: int = Field(ge=0, le=100, description="审核员评审分（0–100）")
    pool_action: Literal["keep", "suspend", "remove", "reinstate"] = Field(
        description="资源池动态管理：keep 保留 | suspend 暂停 | remove 移出 | reinstate 恢复"
    )
    opinion: str = Field(min_length=1, max_length=2000, description="评审意见")


class EvaluationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    provider_id: int
    year: int
    ratings_count: int
    rating_sum: int
    vouchers_count: int
    delivered_count: int
    officer_score: int
    score: int
    grade: str
    pool_action: str
    opinion: str
    evaluated_by: str
    evaluated_on: dt.date
