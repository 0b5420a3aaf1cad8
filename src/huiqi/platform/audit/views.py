from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.audit.service import verify
from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES

router = APIRouter(prefix="/audit", tags=["审计"], responses=ERROR_RESPONSES)
Admin = Annotated[Principal, Depends(require("admin"))]


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    at: str
    actor: str
    actor_role: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    message: str
    problems: list[str]
    checked_at: dt.datetime


@router.get("", response_model=list[AuditOut], summary="审计日志（追加写、哈希链）")
def list_audit(
    db: Db,
    p: Admin,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    q = select(AuditEntry).where(AuditEntry.seq > after_seq)
    if entity:
        q = q.where(AuditEntry.entity == entity)
    if entity_id:
        q = q.where(AuditEntry.entity_id == entity_id)
    return list(db.scalars(q.order_by(AuditEntry.seq).limit(limit)))


@router.get(
    "/verify",
    response_model=VerifyOut,
    summary="校验审计哈希链、链头签名与外部锚点，并与资金表对账",
)
def verify_chain(db: Db, p: Admin) -> VerifyOut:
    r = verify(db)
    return VerifyOut(
        ok=r.ok,
        checked=r.checked,
        first_bad_seq=r.first_bad_seq,
        message=r.message,
        problems=r.problems,
        checked_at=dt.datetime.now(dt.UTC),
    )
