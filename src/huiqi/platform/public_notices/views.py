from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Anyone, Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.public_notices import service
from huiqi.platform.public_notices.models import NoticeBatch, Objection
from huiqi.platform.public_notices.schemas import (
    BatchDetail,
    BatchIn,
    BatchOut,
    ObjectionIn,
    ObjectionOut,
)

router = APIRouter(prefix="/notices", tags=["公示"], responses=ERROR_RESPONSES)
Publisher = Annotated[Principal, Depends(require("city_officer", "admin"))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", response_model=BatchOut, status_code=201, summary="发布公示批次")
def create(db: Db, p: Publisher, body: BatchIn, request: Request) -> NoticeBatch:
    return service.create_batch(db, p, body, request.app.state.settings.notice_working_days)


@router.get("", response_model=list[BatchOut], summary="公示批次列表（登录用户均可查看）")
def list_batches(db: Db, p: Anyone) -> list[NoticeBatch]:
    return list(db.scalars(select(NoticeBatch).order_by(NoticeBatch.id.desc()).limit(200)))


@router.get("/{batch_id}", response_model=BatchDetail, summary="公示名单")
def get(db: Db, p: Anyone, batch_id: Id) -> dict[str, Any]:
    batch = service.get_batch(db, batch_id)
    return {**BatchOut.model_validate(batch).model_dump(), "items": service.items(db, batch)}


@router.get(
    "/{batch_id}/export.xlsx",
    summary="导出公示名单（Excel）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 文件"}},
)
def export(db: Db, p: Anyone, batch_id: Id) -> Response:
    batch = service.get_batch(db, batch_id)
    return Response(
        service.export_xlsx(db, batch),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="notice-{batch.id}.xlsx"'},
    )


@router.post(
    "/{batch_id}/objections",
    response_model=ObjectionOut,
    status_code=201,
    summary="实名提出异议（附证据）",
)
def object_to(db: Db, p: Anyone, batch_id: Id, body: ObjectionIn) -> Objection:
    return service.object_to(db, p, batch_id, body)


@router.post("/{batch_id}/close", response_model=BatchOut, summary="公示期满，结束公示")
def close(db: Db, p: Publisher, batch_id: Id) -> NoticeBatch:
    return service.close_batch(db, p, batch_id)
