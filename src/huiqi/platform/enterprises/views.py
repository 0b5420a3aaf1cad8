from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response, UploadFile

from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Db, require
from huiqi.platform.enterprises import schemas as s
from huiqi.platform.enterprises import service
from huiqi.platform.enterprises.importer import start_import
from huiqi.platform.errors import ERROR_RESPONSES, ApiError
from huiqi.platform.jobs.schemas import JobOut, job_out
from huiqi.platform.pagination import MAX_LIMIT, link_headers

router = APIRouter(prefix="/enterprises", tags=["企业档案"], responses=ERROR_RESPONSES)
Reader = Annotated[Principal, Depends(require(*service.READERS))]
Writer = Annotated[Principal, Depends(require("admin", "enterprise"))]
Admin = Annotated[Principal, Depends(require("admin"))]
EntId = Annotated[int, Path(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_model=list[s.EnterpriseOut], summary="企业列表（按权限范围）")
def list_enterprises(
    db: Db,
    p: Reader,
    request: Request,
    response: Response,
    q: Annotated[str | None, Query(max_length=100, description="名称或信用代码关键字")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> list[object]:
    """By id, one keyset page at a time: the next page's cursor is in `X-Next-Cursor`/`Link`."""
    found = service.list_page(db, p, q, cursor=cursor, limit=limit)
    link_headers(response, request, found)
    return list(found.items)


@router.post("", response_model=s.EnterpriseOut, status_code=201, summary="新建企业档案")
def create_enterprise(db: Db, p: Admin, body: s.EnterpriseIn) -> object:
    return service.create(db, p, body)


@router.post(
    "/import",
    response_model=JobOut,
    status_code=202,
    summary="从 Excel/CSV 批量导入企业（后台任务）",
    description="文件存入任务后立即返回 202 与任务；逐列校验、整批写入在后台进行，全有或全无。"
    "进度与结果见 `GET /jobs/{id}`：完成时 `result` 为 `{created, updated, rows}`，"
    "校验失败时任务为 failed，`result.errors` 列出出错的行与字段（最多 200 条），什么也不写。",
)
def import_enterprises(db: Db, p: Admin, file: UploadFile, request: Request) -> JobOut:
    content = file.file.read(20 * 1024 * 1024 + 1)
    if len(content) > 20 * 1024 * 1024:
        raise ApiError(413, "too_large", "文件不能超过 20MB", "file")
    max_rows = request.app.state.settings.import_max_rows
    return job_out(start_import(db, p, file.filename or "upload.csv", content, max_rows))


@router.put(
    "/{enterprise_id}/district",
    response_model=s.EnterpriseOut,
    summary="变更所属区（登记事项：审核员或管理员，写审计；已提交的申报仍按提交时的区办理）",
)
def change_district(
    db: Db,
    p: Annotated[Principal, Depends(require("admin", "district_officer", "city_officer"))],
    enterprise_id: EntId,
    body: s.DistrictChangeIn,
) -> object:
    return service.change_district(db, p, enterprise_id, body.district, body.reason)


@router.get(
    "/import-template.{kind}",
    summary="下载企业导入模板（xlsx 或 csv，中文表头与一行示例）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}, "text/csv": {}}}},
)
def import_template(p: Admin, kind: Literal["xlsx", "csv"]) -> Response:
    from huiqi.platform.enterprises.importer import TEMPLATE_COLUMNS, template_example
    from huiqi.platform.tabular import template_csv, template_xlsx

    example = template_example()
    if kind == "xlsx":
        body, media = template_xlsx(TEMPLATE_COLUMNS, example), XLSX
    else:
        body, media = template_csv(TEMPLATE_COLUMNS, example), "text/csv; charset=utf-8"
    name = quote(f"企业导入模板.{kind}")
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


@router.get("/{enterprise_id}", response_model=s.ProfileOut, summary="一企一档")
def get_enterprise(db: Db, p: Reader, enterprise_id: EntId) -> object:
    return service.profile(db, p, enterprise_id)


@router.patch("/{enterprise_id}", response_model=s.EnterpriseOut, summary="修改企业档案")
def update_enterprise(db: Db, p: Writer, enterprise_id: EntId, body: s.EnterpriseUpdate) -> object:
    return service.update(db, p, enterprise_id, body)


@router.delete("/{enterprise_id}", status_code=204, summary="删除企业档案（无申报记录时）")
def delete_enterprise(db: Db, p: Admin, enterprise_id: EntId) -> Response:
    service.delete(db, p, enterprise_id)
    return Response(status_code=204)


@router.put("/{enterprise_id}/figures/{year}", response_model=s.FigureOut, summary="填报年度数据")
def put_figure(
    db: Db,
    p: Writer,
    enterprise_id: EntId,
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: s.FigureIn,
) -> object:
    return service.put_figure(db, p, enterprise_id, year, body)


@router.post(
    "/{enterprise_id}/recognitions",
    response_model=s.RecognitionOut,
    status_code=201,
    summary="登记认定/资质",
)
def add_recognition(db: Db, p: Writer, enterprise_id: EntId, body: s.RecognitionIn) -> object:
    return service.add_recognition(db, p, enterprise_id, body)


@router.post(
    "/{enterprise_id}/projects", response_model=s.ProjectOut, status_code=201, summary="登记项目"
)
def add_project(db: Db, p: Writer, enterprise_id: EntId, body: s.ProjectIn) -> object:
    return service.add_project(db, p, enterprise_id, body)


@router.post(
    "/{enterprise_id}/penalties",
    response_model=s.PenaltyOut,
    status_code=201,
    summary="录入行政处罚",
)
def add_penalty(db: Db, p: Admin, enterprise_id: EntId, body: s.PenaltyIn) -> object:
    return service.add_penalty(db, p, enterprise_id, body)


@router.get("/{enterprise_id}/credit", response_model=s.CreditOut, summary="信用审查结果")
def credit_check(db: Db, p: Reader, enterprise_id: EntId) -> s.CreditOut:
    from huiqi.platform.credit.service import check

    res = check(db, service.get_visible(db, p, enterprise_id))
    return s.CreditOut(blocked=res.blocked, reasons=res.reasons)
