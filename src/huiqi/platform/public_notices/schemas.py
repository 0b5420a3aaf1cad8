from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class BatchIn(BaseModel):
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
    state: str


class BatchDetail(BatchOut):
    items: list[ItemOut]


class ObjectionIn(BaseModel):
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
