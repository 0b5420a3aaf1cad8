from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import select

from huiqi.platform.applications.service import measures_of_units
from huiqi.platform.auth.service import Principal
from huiqi.platform.campaigns import service
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.jobs.models import Job
from huiqi.platform.pagination import MAX_LIMIT, link_headers

router = APIRouter(prefix="/campaigns", tags=["免申即享"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Officer = Annotated[Principal, Depends(require("city_officer", "admin"))]
Firm = Annotated[Principal, Depends(require("enterprise"))]


@router.post(
    "",
    response_model=service.CampaignOut,
    status_code=202,
    summary="发起免申即享：排入后台任务，筛查企业库、生成候选并推送（进度见 job）",
    description="同一措施同一年度已有排队、运行中或已完成的批次时返回 409 `campaign_exists`。"
    "返回的 `job_id` 可在 `GET /jobs/{job_id}` 查看进度、`POST /jobs/{job_id}/cancel` 取消。",
)
def start(db: Db, p: Officer, body: service.CampaignIn) -> service.CampaignOut:
    camp = service.start(db, p, body)
    return service.campaign_out(camp, db.get(Job, camp.job_id) if camp.job_id else None)


@router.get("", response_model=list[service.CampaignOut], summary="免申即享批次")
def list_campaigns(db: Db, p: Officer) -> list[Campaign]:
    q = select(Campaign).order_by(Campaign.id.desc())
    if p.role == "city_officer":
        q = q.where(Campaign.measure_id.in_(measures_of_units(p.units)))
    return list(db.scalars(q.limit(200)))


@router.get("/pushes", response_model=list[service.PushOut], summary="推送记录（企业只见本企业）")
def pushes(
    db: Db,
    p: Annotated[Principal, Depends(require("enterprise", "city_officer", "admin"))],
    request: Request,
    response: Response,
    campaign_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> list[CampaignPush]:
    """In the order they were made; the next page's cursor is in `X-Next-Cursor`/`Link`."""
    found = service.pushes_page(db, p, campaign_id, cursor=cursor, limit=limit)
    link_headers(response, request, found)
    return [row.push for row in found.items]


@router.post(
    "/pushes/{push_id}/confirm", response_model=service.PushOut, summary="企业确认享受（进入审核）"
)
def confirm(db: Db, p: Firm, push_id: Id) -> CampaignPush:
    return service.respond(db, p, push_id, True)


@router.post("/pushes/{push_id}/decline", response_model=service.PushOut, summary="企业放弃")
def decline(db: Db, p: Firm, push_id: Id) -> CampaignPush:
    return service.respond(db, p, push_id, False)


@router.get(
    "/{campaign_id}", response_model=service.CampaignOut, summary="批次状态、结果与任务进度"
)
def get_campaign(db: Db, p: Officer, campaign_id: Id) -> service.CampaignOut:
    camp = service.get_visible(db, p, campaign_id)
    return service.campaign_out(camp, db.get(Job, camp.job_id) if camp.job_id else None)
