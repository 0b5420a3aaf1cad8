from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from huiqi.platform.applications.lifecycle import ensure_city
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.schemas import ApplicationOut, ReasonIn
from huiqi.platform.applications.service import get_visible_app, queue_page
from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.pagination import MAX_LIMIT, link_headers
from huiqi.platform.reviews import duplicates, service
from huiqi.platform.reviews import schemas as s

router = APIRouter(prefix="/reviews", tags=["审核"], responses=ERROR_RESPONSES)
AppId = Annotated[int, Path(ge=1, le=2**31 - 1)]
District = Annotated[Principal, Depends(require("district_officer", "admin"))]
City = Annotated[Principal, Depends(require("city_officer", "admin"))]
Reviewer = Annotated[Principal, Depends(require("district_officer", "city_officer", "admin"))]


@router.get("/queue", response_model=list[ApplicationOut], summary="我的待审队列")
def queue(
    db: Db,
    p: Reviewer,
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> list[Application]:
    """Oldest submission first; the next page's cursor is in `X-Next-Cursor`/`Link`."""
    found = queue_page(db, p, cursor=cursor, limit=limit)
    link_headers(response, request, found)
    return [row.app for row in found.items]


@router.post("/{application_id}/district", response_model=ApplicationOut, summary="区级初审")
def district(db: Db, p: District, application_id: AppId, body: s.ReviewIn) -> Application:
    return service.district_review(db, p, application_id, body)


@router.post(
    "/{application_id}/city",
    response_model=ApplicationOut,
    summary="市级复核（含是否已获支持核查）",
)
def city(db: Db, p: City, application_id: AppId, body: s.CityReviewIn) -> Application:
    return service.city_review(db, p, application_id, body)


@router.post(
    "/{application_id}/expert", response_model=ApplicationOut, summary="专家评审/第三方审计意见"
)
def expert(db: Db, p: City, application_id: AppId, body: s.ReviewIn) -> Application:
    return service.expert_review(db, p, application_id, body)


@router.post(
    "/{application_id}/decision", response_model=s.DecisionOut, summary="作出决定（承诺预算）"
)
def decision(db: Db, p: City, application_id: AppId, body: s.DecisionIn) -> s.DecisionOut:
    app, warn = service.decide(db, p, application_id, body)
    return s.DecisionOut(application=ApplicationOut.model_validate(app), budget_warning=warn)


@router.get(
    "/{application_id}/duplicates",
    response_model=s.DuplicateCheckOut,
    summary="重复支持核查：同类项目投资额相同或建设期重叠、同一投资已获支持",
)
def duplicate_check(db: Db, p: City, application_id: AppId) -> dict[str, object]:
    app = get_visible_app(db, p, application_id)
    ensure_city(p, app)
    return duplicates.clearance(db, app)


@router.post(
    "/{application_id}/duplicates/explain",
    response_model=s.DuplicateCheckOut,
    summary="记录不属于重复支持的核查理由（须另一名审核员确认后才能决定支持）",
)
def explain_duplicate(db: Db, p: City, application_id: AppId, body: ReasonIn) -> dict[str, object]:
    return duplicates.explain(db, p, application_id, body.reason)


@router.post(
    "/{application_id}/duplicates/confirm",
    response_model=s.DuplicateCheckOut,
    summary="第二名审核员确认重复支持核查理由",
)
def confirm_duplicate(db: Db, p: City, application_id: AppId) -> dict[str, object]:
    return duplicates.confirm(db, p, application_id)
