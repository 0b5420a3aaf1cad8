from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    city_percent: int = Field(ge=0, le=100, description="市级承担比例（%），其余由区级承担")


class ShareOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    measure_id: str
    city_percent: int


class PaidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    voucher: str = Field(min_length=1, max_length=128, description="拨付凭证号")


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    application_id: int
    payer: str
    amount_fen: int
    status: str
    voucher: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
