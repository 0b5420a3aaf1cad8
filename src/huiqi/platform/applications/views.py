from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sqlalchemy import select

from huiqi.platform.applications import amend, drafts, lifecycle, rounds, service
from huiqi.platform.applications import schemas as s
from huiqi.platform.applications import stats as app_stats
from huiqi.platform.applications.models import STATUSES, Application
from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES, ApiError
from huiqi.platform.pagination import MAX_LIMIT, link_headers
from huiqi.platform.reviews.models import ReviewStep

router = APIRouter(tags=["申报"], responses=ERROR_RESPONSES)
Reader = Annotated[
    Principal, Depends(require("enterprise", "district_officer", "city_officer", "admin"))
]
Submitter = Annotated[Principal, Depends(require("enterprise", "admin"))]
Firm = Annotated[Principal, Depends(require("enterprise"))]
Officer = Annotated[Principal, Depends(require("district_officer", "city_officer", "admin"))]
IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=128, description="重试安全：同键只创建一次"),
]
AppId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "/applications",
    response_model=s.ApplicationOut,
    status_code=201,
    summary="提交申报（冻结事实、政策版本与测算结果）",
    description="同一企业、措施、年度、项目只能一份申报；企业撤回过的，新的提交接管该申报，"
    "作为新版本（新快照、重新测算、版本号加 1，之前的版本可在 /versions 查看）。",
    responses={
        200: {
            "description": "同一 Idempotency-Key 的重试：返回首次创建的申报",
            "model": s.ApplicationOut,
        }
    },
)
def submit(
    db: Db,
    p: Submitter,
    body: s.ApplicationIn,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=128, description="重试安全：同键只创建一次"),
    ] = None,
) -> Application:
    app, created = service.submit(db, p, body, idempotency_key)
    if not created:
        response.status_code = 200
    return app


@router.post(
    "/applications/drafts",
    response_model=s.ApplicationOut,
    status_code=201,
    summary="保存申报草稿（同一措施、年度、项目只有一份，再次保存即更新）",
    responses={200: {"description": "更新了已有草稿", "model": s.ApplicationOut}},
)
def save_draft(db: Db, p: Firm, body: s.ApplicationIn, response: Response) -> Application:
    app, created = drafts.save_draft(db, p, body)
    if not created:
        response.status_code = 200
    return app


@router.delete(
    "/applications/{application_id}", status_code=204, summary="删除申报草稿（已提交的不能删除）"
)
def delete_draft(db: Db, p: Firm, application_id: AppId) -> Response:
    drafts.delete_draft(db, p, application_id)
    return Response(status_code=204)


@router.post(
    "/applications/{application_id}/submit",
    response_model=s.ApplicationOut,
    status_code=201,
    summary="提交申报草稿（按提交时的一企一档重新冻结事实与测算结果）",
    responses={
        200: {
            "description": "同一 Idempotency-Key 的重试：返回首次提交的申报",
            "model": s.ApplicationOut,
        }
    },
)
def submit_draft(
    db: Db, p: Firm, application_id: AppId, response: Response, idempotency_key: IdemKey = None
) -> Application:
    app, created = drafts.submit_draft(db, p, application_id, idempotency_key)
    if not created:
        response.status_code = 200
    return app


@router.get(
    "/applications", response_model=list[s.ApplicationOut], summary="申报列表（按权限范围）"
)
def list_applications(
    db: Db,
    p: Reader,
    request: Request,
    response: Response,
    status: Annotated[str | None, Query(max_length=32)] = None,
    measure_id: Annotated[str | None, Query(max_length=32)] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> list[Application]:
    """By id, one keyset page at a time: the next page's cursor is in `X-Next-Cursor`/`Link`."""
    if status is not None and status not in STATUSES:
        raise ApiError(422, "enum", f"状态应为 {'、'.join(STATUSES)} 之一", "status")
    found = service.list_page(
        db, p, status=status, measure_id=measure_id, fiscal_year=fiscal_year, cursor=cursor,
        limit=limit,
    )  # fmt: skip
    link_headers(response, request, found)
    return found.items


@router.get(
    "/applications/{application_id}",
    response_model=s.ApplicationDetail,
    summary="申报详情（含快照与审核记录）",
)
def get_application(db: Db, p: Reader, application_id: AppId) -> dict[str, Any]:
    app = service.get_visible_app(db, p, application_id)
    steps = db.scalars(
        select(ReviewStep).where(ReviewStep.application_id == app.id).order_by(ReviewStep.id)
    )
    return {
        **s.ApplicationOut.model_validate(app).model_dump(),
        "facts": app.facts,
        "evaluation": app.evaluation,
        "reviews": [s.ReviewOut.model_validate(x) for x in steps],
    }


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=s.ApplicationOut,
    summary="企业撤回申报（作出决定前；须说明理由；之后可就同一事项重新申报）",
)
def withdraw(db: Db, p: Firm, application_id: AppId, body: s.ReasonIn) -> Application:
    return amend.withdraw(db, p, application_id, body.reason)


@router.post(
    "/applications/{application_id}/return",
    response_model=s.ApplicationOut,
    summary="退回补正（区级：待初审；市级：复核至决定前；理由写明需补正的内容）",
)
def return_for_correction(
    db: Db, p: Officer, application_id: AppId, body: s.ReturnIn
) -> Application:
    return amend.return_for_correction(db, p, application_id, body.reason, body.requested_documents)


@router.post(
    "/applications/{application_id}/amend",
    response_model=s.ApplicationOut,
    summary="修改并重新提交被退回的申报（按当前一企一档冻结新版本快照并重新测算，回到区级初审）",
)
def amend_application(db: Db, p: Firm, application_id: AppId, body: s.AmendIn) -> Application:
    return amend.amend(db, p, application_id, body)


@router.get(
    "/applications/{application_id}/versions",
    response_model=list[s.VersionDetail],
    summary="申报的全部快照版本（最早在前，最后一版为当前版本）",
)
def list_versions(db: Db, p: Reader, application_id: AppId) -> list[s.VersionDetail]:
    return amend.versions(db, p, application_id)


@router.get(
    "/applications/{application_id}/versions/{version}",
    response_model=s.VersionDetail,
    summary="某一版快照（事实与测算结果）",
)
def get_version(
    db: Db, p: Reader, application_id: AppId, version: Annotated[int, Path(ge=1, le=10**6)]
) -> s.VersionDetail:
    return amend.version(db, p, application_id, version)


@router.get("/stats", response_model=s.StatsOut, summary="汇总统计（分析员只读）")
def stats(
    db: Db, p: Annotated[Principal, Depends(require("analyst", "admin", "city_officer"))]
) -> s.StatsOut:
    # kept per (measure, status) by the database in every write (applications/stats.py): a few
    # dozen rows, whatever the number of applications
    rows = app_stats.read(db)
    pools = db.scalars(select(BudgetPool).order_by(BudgetPool.fiscal_year, BudgetPool.measure_id))
    return s.StatsOut(
        by_measure_status=[
            s.StatsRow(measure_id=m, status=st, count=c, amount_fen=a) for m, st, c, a in rows
        ],
        budgets=[
            s.BudgetStat(
                measure_id=b.measure_id,
                fiscal_year=b.fiscal_year,
                total_fen=b.total_fen,
                committed_fen=b.committed_fen,
                paid_fen=b.paid_fen,
            )
            for b in pools
        ],
    )


@router.get(
    "/applications/{application_id}/actions",
    response_model=list[s.ActionOut],
    summary="当前用户对该申报下一步可办理的操作（按状态流转表）",
)
def next_actions(db: Db, p: Reader, application_id: AppId) -> list[s.ActionOut]:
    app = service.get_visible_app(db, p, application_id)
    return [
        s.ActionOut(action=t.action, label=t.label, to_status=t.target, guards=list(t.guards))
        for t in lifecycle.LIFECYCLE.allowed_for(p, app)
    ]


@router.get("/lifecycle", response_model=list[s.TransitionOut], summary="申报状态流转表")
def lifecycle_table(p: Reader) -> list[s.TransitionOut]:
    return [
        s.TransitionOut(
            from_status=t.source,
            action=t.action,
            label=t.label,
            to_status=t.target,
            actors=list(t.actors),
            guards=list(t.guards),
            audit_action=t.audit,
        )
        for t in lifecycle.LIFECYCLE.rows
    ]


@router.post(
    "/rounds",
    response_model=rounds.RoundOut,
    status_code=201,
    summary="开放申报批次（责任单位市级审核员；开放日不早于今天，须在政策有效期内）",
)
def open_round(
    db: Db,
    p: Annotated[Principal, Depends(require("city_officer", "admin"))],
    body: rounds.RoundIn,
) -> rounds.RoundOut:
    return rounds.out(rounds.open_round(db, p, body))


@router.get("/rounds", response_model=list[rounds.RoundOut], summary="申报批次列表")
def list_rounds(
    db: Db,
    p: Annotated[
        Principal, Depends(require("enterprise", "district_officer", "city_officer", "admin"))
    ],
    measure_id: Annotated[str | None, Query(max_length=32)] = None,
) -> list[rounds.RoundOut]:
    return [rounds.out(r) for r in rounds.list_rounds(db, measure_id)]


def _include_experts() -> None:
    # The expert step's endpoints (/reviews/{id}/experts, /experts/...) ride on this router so
    # the app factory's router list stays as it is.
    from huiqi.platform.experts.views import router as experts

    router.include_router(experts)


_include_experts()
