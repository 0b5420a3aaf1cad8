"""API of the 揭榜挂帅 board under /api/v1/challenges."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile

from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges import assessment, public, scoring, service
from huiqi.platform.challenges import schemas as s
from huiqi.platform.deps import Anyone, Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.materials.service import Upload
from huiqi.platform.settings import upload_max_bytes_from_env

router = APIRouter(prefix="/challenges", tags=["揭榜挂帅"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Officer = Annotated[Principal, Depends(require("city_officer", "admin"))]
Firm = Annotated[Principal, Depends(require("enterprise"))]
Expert = Annotated[Principal, Depends(require("expert"))]


@router.get("/board", summary="揭榜挂帅榜单与结果（免登录）")
def board(db: Db) -> dict[str, Any]:
    return public.board(db)


@router.post("/batches", response_model=s.BatchOut, status_code=201, summary="发布年度批次榜单")
def publish(db: Db, p: Officer, body: s.BatchIn) -> s.BatchOut:
    batch = service.publish_batch(db, p, body)
    out = s.BatchOut.model_validate(batch)
    out.tasks = [s.TaskOut.model_validate(t) for t in service.tasks_of(db, batch.id)]
    return out


@router.get("/tasks/{task_id}", response_model=s.TaskOut, summary="榜单详情（免登录）")
def task(db: Db, task_id: Id) -> Any:
    return service.get_task(db, task_id)


@router.post(
    "/tasks/{task_id}/bids", response_model=s.BidOut, status_code=201, summary="揭榜（牵头单位）"
)
def bid(db: Db, p: Firm, task_id: Id, body: s.BidIn) -> s.BidOut:
    return service.bid_out(db, p, service.submit_bid(db, p, task_id, body))


@router.get("/bids", response_model=list[s.BidOut], summary="我可查看的揭榜")
def bids(
    db: Db, p: Anyone, task_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
) -> list[s.BidOut]:
    return [service.bid_out(db, p, b) for b in service.bids(db, p, task_id)]


@router.get("/bids/{bid_id}", response_model=s.BidOut, summary="揭榜详情（范围外 404）")
def get_bid(db: Db, p: Anyone, bid_id: Id) -> s.BidOut:
    return service.bid_out(db, p, service.get_bid(db, p, bid_id))


@router.post("/bids/{bid_id}/withdraw", response_model=s.BidOut, summary="撤回揭榜（截止前）")
def withdraw(db: Db, p: Firm, bid_id: Id, body: s.ReasonIn) -> s.BidOut:
    return service.bid_out(db, p, service.withdraw(db, p, bid_id, body.reason))


@router.post(
    "/bids/{bid_id}/experts",
    response_model=list[s.ScoreOut],
    status_code=201,
    summary="邀请专家评分（揭榜方的人员须回避）",
)
def assign(db: Db, p: Officer, bid_id: Id, body: s.AssignIn) -> list[s.ScoreOut]:
    return [scoring.score_out(db, x) for x in scoring.assign(db, p, bid_id, body.expert_ids)]


@router.post("/bids/{bid_id}/score", response_model=s.ScoreOut, summary="专家评分")
def score(db: Db, p: Expert, bid_id: Id, body: s.ScoreIn) -> s.ScoreOut:
    return scoring.score_out(db, scoring.submit_score(db, p, bid_id, body))


@router.post("/bids/{bid_id}/recuse", response_model=s.ScoreOut, summary="专家申请回避")
def recuse(db: Db, p: Expert, bid_id: Id, body: s.ReasonIn) -> s.ScoreOut:
    return scoring.score_out(db, scoring.recuse(db, p, bid_id, body.reason))


@router.post("/bids/{bid_id}/select", response_model=s.BidOut, summary="确定揭榜成功（写明理由）")
def select(db: Db, p: Officer, bid_id: Id, body: s.ReasonIn) -> s.BidOut:
    return service.bid_out(db, p, service.select_bid(db, p, bid_id, body.reason))


@router.post("/bids/{bid_id}/not-select", response_model=s.BidOut, summary="确定未入选")
def not_select(db: Db, p: Officer, bid_id: Id, body: s.ReasonIn) -> s.BidOut:
    return service.bid_out(db, p, service.reject_bid(db, p, bid_id, body.reason))


@router.post("/bids/{bid_id}/agreement", response_model=s.BidOut, summary="登记协议")
def agreement(db: Db, p: Officer, bid_id: Id, body: s.AgreementIn) -> s.BidOut:
    return service.bid_out(db, p, service.sign_agreement(db, p, bid_id, body))


@router.post(
    "/bids/{bid_id}/reports",
    response_model=s.ReportOut,
    status_code=201,
    summary="报告里程碑（附件为 PDF、OFD、图片或 Office 文件）",
)
def report(
    db: Db,
    p: Firm,
    bid_id: Id,
    milestone: Annotated[int, Form(ge=0, le=19, description="里程碑序号（从 0 起）")],
    summary: Annotated[str, Form(min_length=1, max_length=5000, description="完成情况")],
    files: Annotated[list[UploadFile] | None, File(description="附件")] = None,
) -> Any:
    limit = upload_max_bytes_from_env() + 1
    uploads = [Upload("", f.filename or "", f.file.read(limit)) for f in files or []]
    return service.report_milestone(db, p, bid_id, milestone, summary, uploads)


@router.get(
    "/bids/{bid_id}/reports/{report_id}/files/{index}",
    summary="下载里程碑附件（范围外 404）",
    response_class=Response,
)
def report_file(
    db: Db, p: Anyone, bid_id: Id, report_id: Id, index: Annotated[int, Path(ge=0, le=99)]
) -> Response:
    name, data = service.report_file(db, p, bid_id, report_id, index)
    return Response(
        content=data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/bids/{bid_id}/assessment",
    response_model=s.BidOut,
    summary="考核认定（实施成功时自动建立 3.6.1 申报）",
)
def assess(db: Db, p: Officer, bid_id: Id, body: s.AssessIn) -> s.BidOut:
    return service.bid_out(db, p, assessment.assess(db, p, bid_id, body))
