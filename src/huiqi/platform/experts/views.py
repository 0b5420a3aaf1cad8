from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from huiqi.platform.applications.lifecycle import ensure_city
from huiqi.platform.applications.service import get_visible_app
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.experts import schemas as s
from huiqi.platform.experts import service
from huiqi.platform.policy import cap_fen, measure

router = APIRouter(tags=["专家评审"], responses=ERROR_RESPONSES)
AppId = Annotated[int, Path(ge=1, le=2**31 - 1)]
City = Annotated[Principal, Depends(require("city_officer", "admin"))]
Expert = Annotated[Principal, Depends(require("expert"))]


@router.get("/reviews/experts", response_model=list[s.ExpertOut], summary="可邀请的专家/第三方机构")
def list_experts(db: Db, p: City) -> list[User]:
    return service.experts(db)


@router.post(
    "/reviews/{application_id}/experts",
    response_model=list[s.AssignmentOut],
    status_code=201,
    summary="送专家评审：邀请一位或多位专家/第三方机构（市级复核通过后）",
)
def assign(db: Db, p: City, application_id: AppId, body: s.AssignIn) -> list[s.AssignmentOut]:
    new = service.assign(db, p, application_id, body.expert_ids)
    return [service.out(db, a) for a in new]


@router.get(
    "/reviews/{application_id}/experts",
    response_model=list[s.AssignmentOut],
    summary="该申报（当前版本）的专家意见",
)
def opinions(db: Db, p: City, application_id: AppId) -> list[s.AssignmentOut]:
    app = get_visible_app(db, p, application_id)
    ensure_city(p, app)
    return [service.out(db, a) for a in service.for_application(db, app)]


@router.get(
    "/experts/assignments", response_model=list[s.AssignmentOut], summary="我的评审任务（专家）"
)
def my_assignments(db: Db, p: Expert) -> list[s.AssignmentOut]:
    return [service.out(db, a) for a, _app in service.mine(db, p)]


def view_of(db: Db, p: Principal, application_id: int) -> s.ExpertApplicationOut:
    from huiqi.platform.enterprises.models import Enterprise

    a, app = service.assignment_of(db, p, application_id)
    spec = measure(app.measure_id)
    ent = db.get(Enterprise, app.enterprise_id)
    row = (app.evaluation or {}).get("row") or {}
    return s.ExpertApplicationOut(
        assignment=service.out(db, a),
        application_id=app.id,
        status=app.status,
        version=app.version,
        measure_id=app.measure_id,
        measure_title=spec.title,
        measure_kind=spec.kind,
        clause=str(row.get("clause", spec.clause_id)),
        clause_words=spec.words,
        cap_fen=cap_fen(app.measure_id, app.fiscal_year),
        formula_amount_fen=app.engine_amount_fen if spec.kind == "computed" else None,
        ceiling_fen=service.ceiling(app),
        fiscal_year=app.fiscal_year,
        enterprise_name=ent.name if ent else "",
        requested_amount_fen=app.requested_amount_fen,
        engine_status=app.engine_status,
        engine_amount_fen=app.engine_amount_fen,
        statement=app.statement,
        facts=service.material(app),
        evaluation=app.evaluation,
    )


@router.get(
    "/experts/applications/{application_id}",
    response_model=s.ExpertApplicationOut,
    summary="评审材料：受邀申报的冻结快照与测算（只限本人受邀的申报）",
)
def assignment_view(db: Db, p: Expert, application_id: AppId) -> s.ExpertApplicationOut:
    return view_of(db, p, application_id)


@router.post(
    "/experts/applications/{application_id}/opinion",
    response_model=s.AssignmentOut,
    summary="提交评审意见（须先勾选回避声明；评分 0–100；建议金额不超过上限）",
)
def opinion(db: Db, p: Expert, application_id: AppId, body: s.OpinionIn) -> s.AssignmentOut:
    return service.out(db, service.submit_opinion(db, p, application_id, body))


@router.post(
    "/experts/applications/{application_id}/recuse",
    response_model=s.AssignmentOut,
    summary="申请回避（与申报单位存在利害关系）",
)
def recuse(db: Db, p: Expert, application_id: AppId, body: s.RecuseIn) -> s.AssignmentOut:
    return service.out(db, service.recuse(db, p, application_id, body.reason))
