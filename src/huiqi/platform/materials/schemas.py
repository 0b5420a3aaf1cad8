from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class RequirementOut(BaseModel):
    kind: str
    name: str = Field(description="材料名称，如 审计报告")
    required: bool
    why: str = Field(description="要求该材料的政策原文")


class RequirementsOut(BaseModel):
    measure_id: str
    documents: list[RequirementOut]
    commitment_required: bool = Field(description="是否须签署平台生成的信用承诺书")


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    application_id: int
    version: int = Field(description="上传时的申报版本（补正后加 1）")
    kind: str
    kind_name: str = ""
    filename: str
    content_type: str = Field(description="按文件内容判断的类型")
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


class CommitmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    application_id: int
    version: int
    text: str = Field(description="企业确认签署的全文")
    sha256: str = Field(description="全文（UTF-8）的 sha256")
    signed_by: str
    signed_at: dt.datetime


class MissingOut(BaseModel):
    path: str
    rule: str
    message: str


class MaterialsOut(BaseModel):
    application_id: int
    documents: list[DocumentOut]
    commitments: list[CommitmentOut]
    missing: list[MissingOut] = Field(description="尚缺的必需材料（含信用承诺书）")


class CommitmentTextOut(BaseModel):
    application_id: int
    text: str
    sha256: str


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirmed: bool = Field(
        description="企业已阅读并确认承诺书全文；必须由企业本人勾选，默认不勾选"
    )
