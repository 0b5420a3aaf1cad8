from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select

from huiqi.platform.applications.service import measures_of_units
from huiqi.platform.auth.service import Principal
from huiqi.platform.campaigns import service
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES

router = APIRouter(prefix="/campaigns", tags=["免申即享"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Officer = Annotated[Principal, Depends(require("city_officer", "admin"))]
Firm = Annotated[Principal, Depends(require("enterprise"))]


@router.post(
    "",
    response_model=service.CampaignOut,
    status_code=201,
    summary="筛查企业库，生成免申即享候选并推送",
)
def run(db: Db, p: Officer, body: service.CampaignIn) -> Campaign:
    return service.run(db, p, body)


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
    campaign_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[CampaignPush]:
    return service.pushes_for(db, p, campaign_id)


@router.post(
    "/pushes/{push_id}/confirm", response_model=service.PushOut, summary="企业确认享受（进入审核）"
)
def confirm(db: Db, p: Firm, push_id: Id) -> CampaignPush:
    return service.respond(db, p, push_id, True)


@router.post("/pushes/{push_id}/decline", response_model=service.PushOut, summary="企业放弃")
def decline(db: Db, p: Firm, push_id: Id) -> CampaignPush:
    return service.respond(db, p, push_id, False)
