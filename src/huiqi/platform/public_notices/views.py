from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import UploadFile as Upload

from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Anyone, Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.pagination import MAX_LIMIT, link_headers
from huiqi.platform.public_notices import calendar, objections, service
from huiqi.platform.public_notices.models import NoticeBatch, Objection
from huiqi.platform.public_notices.schemas import (
    BatchDetail,
    BatchIn,
    BatchOut,
    CalendarYearIn,
    CalendarYearOut,
    ObjectionDecisionIn,
    ObjectionDetail,
    ObjectionIn,
    ObjectionOut,
    PublicObjectionOut,
)
from huiqi.platform.ratelimit import TokenBucket, client_of, take

router = APIRouter(prefix="/notices", tags=["公示"], responses=ERROR_RESPONSES)
Publisher = Annotated[Principal, Depends(require("city_officer", "admin"))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Admin = Annotated[Principal, Depends(require("admin"))]
Officer = Annotated[Principal, Depends(require(*objections.OFFICERS))]
Year = Annotated[int, Path(ge=2000, le=2100)]
# Public filings carry files and reach officers' queues, so they get their own, much tighter
# bucket than the calculator's: 5 at once per IP, then one a minute.
OBJECTION_RATE_PER_SECOND = 1 / 60
OBJECTION_BURST = 5


async def objection_rate_limited(request: Request) -> None:
    state = request.app.state
    bucket = getattr(state, "objection_bucket", None)
    if bucket is None:
        bucket = state.objection_bucket = TokenBucket(OBJECTION_RATE_PER_SECOND, OBJECTION_BURST)
    take(bucket, client_of(request), "提交")


async def read_evidence(uploads: Sequence[Upload]) -> list[tuple[str, bytes]]:
    """(filename, bytes) per upload for check_public_objection. Only the first MAX_FILES are read,
    each one byte past the limit (enough to know it is too large without holding it); the rest
    stay unread, counted so the check can say how many arrived."""
    files = []
    for i, f in enumerate(uploads):
        data = await f.read(objections.MAX_FILE_BYTES + 1) if i < objections.MAX_FILES else b""
        files.append((f.filename or "", data))
    return files


# ---- holiday calendar (before /{batch_id}, which would otherwise claim these paths) ----------


@router.get(
    "/holiday-calendar/{year}",
    response_model=CalendarYearOut,
    summary="某年的法定节假日与调休安排（公示期计算依据）",
)
def calendar_year(db: Db, p: Anyone, year: Year) -> CalendarYearOut:
    return calendar.year_view(db, year)


@router.put(
    "/holiday-calendar/{year}",
    response_model=CalendarYearOut,
    summary="录入某年的法定节假日与调休安排（管理员；整年替换，优先于内置安排）",
)
def record_calendar_year(db: Db, p: Admin, year: Year, body: CalendarYearIn) -> CalendarYearOut:
    calendar.record_year(db, p, year, body.days)
    return calendar.year_view(db, year)


@router.post(
    "/holiday-calendar/{year}/import",
    response_model=CalendarYearOut,
    summary="从 CSV 导入某年的法定节假日与调休安排（管理员；列：日期,类型,名称）",
)
async def import_calendar_year(
    db: Db, p: Admin, year: Year, file: Annotated[UploadFile, File(description="CSV 文件")]
) -> CalendarYearOut:
    days = calendar.parse_csv(await file.read(1024 * 1024))
    calendar.record_year(db, p, year, days)
    return calendar.year_view(db, year)


# ---- objections: officers' view and evidence download ------------------------------------------


@router.get(
    "/applications/{app_id}/objections",
    response_model=list[ObjectionDetail],
    summary="某申报收到的异议（审核员，身份信息脱敏）",
)
def objections_of(db: Db, p: Officer, app_id: Id) -> list[dict[str, Any]]:
    return objections.objections_for(db, p, app_id)


@router.get(
    "/objections/{objection_id}/evidence/{evidence_id}",
    summary="下载异议证据材料（审核员）",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
)
def evidence(db: Db, p: Officer, objection_id: Id, evidence_id: Id) -> Response:
    ev = objections.evidence_file(db, p, objection_id, evidence_id)
    return Response(
        ev.data,
        media_type=ev.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(ev.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/objections/{objection_id}/decision",
    response_model=ObjectionDetail,
    summary="核查异议：成立（退回市级复核、释放预算）或不成立（理由公开，公示照常）",
)
def decide_objection(
    db: Db, p: Publisher, objection_id: Id, body: ObjectionDecisionIn
) -> dict[str, Any]:
    obj = service.decide_objection(db, p, objection_id, body.upheld, body.reason)
    return next(
        o for o in objections.objections_for(db, p, obj.application_id) if o["id"] == obj.id
    )


@router.post("", response_model=BatchOut, status_code=201, summary="发布公示批次")
def create(db: Db, p: Publisher, body: BatchIn, request: Request) -> NoticeBatch:
    return service.create_batch(db, p, body, request.app.state.settings.notice_working_days)


@router.get("", response_model=list[BatchOut], summary="公示批次列表（登录用户均可查看）")
def list_batches(
    db: Db,
    p: Anyone,
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 200,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> list[NoticeBatch]:
    """Newest first; the next page's cursor is in `X-Next-Cursor`/`Link`."""
    found = service.batches_page(db, cursor=cursor, limit=limit)
    link_headers(response, request, found)
    return found.items


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


@router.post(
    "/{batch_id}/public-objections",
    response_model=PublicObjectionOut,
    status_code=201,
    summary="公众实名提出异议（免登录，附证据，按 IP 限流）",
    dependencies=[Depends(objection_rate_limited)],
)
async def public_object_to(
    db: Db,
    request: Request,
    batch_id: Id,
    application_id: Annotated[int, Form(ge=1, le=2**31 - 1, description="被异议的申报编号")],
    real_name: Annotated[str, Form(max_length=200, description="真实姓名")] = "",
    id_number: Annotated[str, Form(max_length=64, description="居民身份证号码")] = "",
    phone: Annotated[str, Form(max_length=64, description="手机号码")] = "",
    reason: Annotated[str, Form(max_length=20000, description="异议事实与理由")] = "",
    evidence_note: Annotated[str, Form(max_length=20000, description="证据说明（可选）")] = "",
    evidence: Annotated[
        list[UploadFile] | None,
        File(description="证据材料：PDF/JPG/PNG，每个不超过 10 MB，最多 3 个"),
    ] = None,
) -> PublicObjectionOut:
    files = await read_evidence(evidence or [])
    fields, ev = objections.check_public_objection(
        application_id, real_name, id_number, phone, reason, evidence_note, files
    )
    obj = objections.file_public_objection(db, batch_id, fields, ev, client_of(request))
    return PublicObjectionOut(
        id=obj.id,
        batch_id=obj.batch_id,
        application_id=obj.application_id,
        evidence_files=len(ev),
        created_at=obj.created_at,
        message="异议已受理，名单上该申报显示“有异议·核查中”；审核部门将按您留下的手机号码联系核实",
    )


@router.post("/{batch_id}/close", response_model=BatchOut, summary="公示期满，结束公示")
def close(db: Db, p: Publisher, batch_id: Id) -> NoticeBatch:
    return service.close_batch(db, p, batch_id)
