"""揭榜挂帅 pages: the public board (no login), a task with the firm's 揭榜 form, the board's
officer page (publish a batch, every bid), and one page per bid where each party acts in turn —
the officer invites experts, selects, records the agreement and the 考核认定; the expert scores
or recuses; the lead firm reports milestones. Every page answers ?format=json."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from huiqi.platform.challenges import assessment, public, scoring, service
from huiqi.platform.challenges import schemas as s
from huiqi.platform.challenges.lifecycle import ACTION_ZH, board_unit
from huiqi.platform.clock import business_today
from huiqi.platform.errors import ApiError, validation_errors
from huiqi.platform.experts.service import experts
from huiqi.platform.materials.service import Upload
from huiqi.web.common import amount_fen, form_dict
from huiqi.web.deps import CityOfficerUser, EnterpriseUser, MaybeUser, PageDb, require_page
from huiqi.web.render import Redraw, field_errors, html_error, page, redirect
from huiqi.web.session import WebUser

router = APIRouter(prefix="/challenges")
ROWS = 3  # task rows on the publish form; milestone and member rows on the bid form
BidderUser = Annotated[WebUser, Depends(require_page("enterprise", "expert"))]
BidPartyUser = Annotated[WebUser, Depends(require_page("enterprise", "city_officer", "expert"))]


def _model(model: type[BaseModel], body: dict[str, Any], errors: dict[str, str]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        for e in validation_errors(cast(RequestValidationError, exc)):
            errors.setdefault(e["path"] or "_form", e["message"])
        return None


def _aliased(redraw: Redraw | None) -> Redraw | None:
    """Errors keyed by the form's field names: amounts are typed in 元 (e.g. "500万") into
    fields without the API's `_fen` suffix. The first error is also said at the top: some
    (a deadline passed, a field shared by several forms) have no field of their own."""
    if redraw is None:
        return None
    out = {k.removesuffix("_fen"): v for k, v in redraw.errors.items()}
    if out:
        out.setdefault("_form", next(iter(out.values())))
    return replace(redraw, errors=out)


def _rows(form: dict[str, str], prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Numbered rows of a form (prefix[i].key), skipping rows left entirely empty."""
    rows = []
    for i in range(ROWS):
        row = {k: form.get(f"{prefix}[{i}].{k}", "").strip() for k in keys}
        if any(row.values()):
            rows.append(row)
    return rows


# ---- public board ------------------------------------------------------------------------------


@router.get("", summary="揭榜挂帅榜单（免登录）")
def board_page(request: Request, db: PageDb) -> Response:
    data = public.board(db)
    return page(request, "challenges/board.html", data, title="揭榜挂帅")


def _task_page(
    request: Request,
    user: WebUser | None,
    db: PageDb,
    task_id: int,
    redraw: Redraw | None = None,
) -> Response:
    task = service.get_task(db, task_id)
    data = public.task_entry(db, task)
    data["can_bid"] = bool(user and user.role == "enterprise" and data["open"])
    data["rows"] = list(range(ROWS))
    data["today"] = business_today()
    return page(
        request, "challenges/task.html", data, title=f"榜单：{data['title']}",
        redraw=_aliased(redraw),
    )  # fmt: skip


@router.get("/tasks/{task_id}", summary="榜单详情（免登录）与揭榜表")
def task_page(request: Request, user: MaybeUser, db: PageDb, task_id: int) -> Response:
    return _task_page(request, user, db, task_id)


@router.post("/tasks/{task_id}", summary="揭榜")
async def bid_action(request: Request, user: EnterpriseUser, db: PageDb, task_id: int) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    budget = amount_fen(form.get("budget", ""), "budget", errors, required=True)
    body = {
        "plan": form.get("plan", ""),
        "budget_fen": budget or 0,
        "milestones": _rows(form, "milestones", ("title", "due")),
        "members": _rows(form, "members", ("name", "credit_code")),
    }
    data = None if errors else _model(s.BidIn, body, errors)
    if data is None:
        return _task_page(request, user, db, task_id, Redraw(errors, form))
    try:
        bid = service.submit_bid(db, user.principal, task_id, data)
    except ApiError as exc:
        db.rollback()
        return _task_page(request, user, db, task_id, Redraw.refused(exc, form, status=exc.status))
    return redirect(request, f"/challenges/bids/{bid.id}?msg=已揭榜，等待专家评审与遴选")


# ---- officer: publish and manage -----------------------------------------------------------


def _manage_page(
    request: Request,
    user: WebUser,
    db: PageDb,
    redraw: Redraw | None = None,
) -> Response:
    if not service.is_board_officer(user.principal):
        return html_error(request, 403, f"只有{board_unit()}的审核员可以管理揭榜挂帅")
    bids = [service.bid_out(db, user.principal, b) for b in service.bids(db, user.principal)]
    tasks = {t.id: t.title for t in service.tasks_of(db)}
    data = {
        "today": business_today(),
        "fields": list(s.FIELDS),
        "rows": list(range(ROWS)),
        "batches": public.board(db)["batches"],
        "bids": [
            {**b.model_dump(mode="json"), "task_title": tasks.get(b.task_id, "")} for b in bids
        ],
    }
    return page(
        request, "challenges/manage.html", data, title="揭榜挂帅管理",
        redraw=_aliased(redraw),
    )  # fmt: skip


@router.get("/manage", summary="揭榜挂帅管理（发布榜单、揭榜情况）")
def manage_page(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    return _manage_page(request, user, db)


@router.post("/manage", summary="发布年度批次榜单")
async def publish_action(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    tasks = []
    for i, row in enumerate(
        _rows(
            form,
            "tasks",
            ("title", "field", "problem", "requirements", "issuer", "budget", "deadline"),
        )
    ):
        budget = amount_fen(row.pop("budget"), f"tasks[{i}].budget", errors, required=True)
        tasks.append({**row, "budget_fen": budget or 0})
    body = {"year": form.get("year", ""), "title": form.get("title", ""), "tasks": tasks}
    data = None if errors else _model(s.BatchIn, body, errors)
    if data is None:
        return _manage_page(request, user, db, Redraw(errors, form))
    try:
        batch = service.publish_batch(db, user.principal, data)
    except ApiError as exc:
        db.rollback()
        return _manage_page(request, user, db, Redraw.refused(exc, form, status=exc.status))
    return redirect(request, f"/challenges/manage?msg=已发布批次 {batch.id}（{len(tasks)} 个榜单）")


# ---- firm and expert: my bids ------------------------------------------------------------------


@router.get("/mine", summary="我的揭榜（企业）/ 我的揭榜评分任务（专家）")
def mine_page(request: Request, user: BidderUser, db: PageDb) -> Response:
    tasks = {t.id: t.title for t in service.tasks_of(db)}
    rows = [
        {**service.bid_out(db, user.principal, b).model_dump(mode="json"),
         "task_title": tasks.get(b.task_id, "")}
        for b in service.bids(db, user.principal)
    ]  # fmt: skip
    return page(request, "challenges/mine.html", {"bids": rows}, title="我的揭榜挂帅")


# ---- one bid -------------------------------------------------------------------------------------


def _bid_page(
    request: Request,
    user: WebUser,
    db: PageDb,
    bid_id: int,
    redraw: Redraw | None = None,
) -> Response:
    p = user.principal
    bid = service.get_bid(db, p, bid_id)
    out = service.bid_out(db, p, bid)
    task = service.get_task(db, bid.task_id)
    data: dict[str, Any] = {
        "bid": out.model_dump(mode="json"),
        "task": s.TaskOut.model_validate(task).model_dump(mode="json"),
        "average": scoring.average(db, bid) if service.is_board_officer(p) else None,
        "today": business_today(),
        "actions": {a: ACTION_ZH[a] for a in out.allowed},
        "experts": [],
        "my_score": None,
    }
    if service.is_board_officer(p) and bid.status == "bid":
        invited = {x.expert_id for x in scoring.scores_of(db, bid)}
        data["experts"] = [
            {"id": e.id, "name": e.display_name, "conflict": scoring.conflict_with(db, e, bid)}
            for e in experts(db)
            if e.id not in invited
        ]
    if p.role == "expert":
        mine = [x for x in out.scores if x.expert_id == p.user_id]
        data["my_score"] = mine[0].model_dump() if mine else None
    return page(
        request, "challenges/bid.html", data, title=f"揭榜 {bid_id}：{task.title}",
        redraw=_aliased(redraw),
    )  # fmt: skip


@router.get("/bids/{bid_id}", summary="揭榜详情与办理")
def bid_page(request: Request, user: BidPartyUser, db: PageDb, bid_id: int) -> Response:
    return _bid_page(request, user, db, bid_id)


async def _uploads(request: Request) -> list[Upload]:
    raw = await request.form()
    out = []
    for f in raw.getlist("files"):
        if isinstance(f, str) or not f.filename:
            continue
        out.append(Upload("", f.filename, await f.read()))
    return out


DONE = {
    "experts": "已邀请专家评分",
    "score": "评分已提交",
    "recuse": "已申请回避",
    "select": "已确定揭榜成功",
    "not_select": "已确定未入选",
    "sign": "协议已登记，项目进入实施",
    "report": "里程碑已报告",
    "assess": "考核认定已记录",
    "withdraw": "已撤回揭榜",
}


Form = dict[str, str]


async def _experts(
    db: Any, p: Any, bid_id: int, request: Request, form: Form, errors: Form
) -> None:
    raw = (await request.form()).getlist("expert_ids")
    ids = [int(x) for x in raw if isinstance(x, str) and x.isdigit()]
    if not ids:
        errors["expert_ids"] = "请至少选择一位专家"
        return
    scoring.assign(db, p, bid_id, ids)


async def _score(db: Any, p: Any, bid_id: int, request: Request, form: Form, errors: Form) -> None:
    score = form.get("score", "").strip()
    if not score.isdigit():
        errors["score"] = "评分应为 0–100 的整数"
        return
    body = {
        "conflict_declared": bool(form.get("conflict_declared")),
        "score": int(score),
        "comment": form.get("comment", ""),
    }
    data = _model(s.ScoreIn, body, errors)
    if data is not None:
        scoring.submit_score(db, p, bid_id, data)


async def _recuse(db: Any, p: Any, bid_id: int, request: Request, form: Form, errors: Form) -> None:
    scoring.recuse(db, p, bid_id, form.get("reason", ""))


def _decision(do: Any) -> Any:
    async def handler(
        db: Any, p: Any, bid_id: int, request: Request, form: Form, errors: Form
    ) -> None:
        do(db, p, bid_id, form.get("reason", ""))

    return handler


async def _sign(db: Any, p: Any, bid_id: int, request: Request, form: Form, errors: Form) -> None:
    invest = amount_fen(
        form.get("agreed_investment", ""), "agreed_investment", errors, required=True
    )
    body = {"signed_on": form.get("signed_on", ""), "agreed_investment_fen": invest or 0}
    data = None if errors else _model(s.AgreementIn, body, errors)
    if data is not None:
        service.sign_agreement(db, p, bid_id, data)


async def _report(db: Any, p: Any, bid_id: int, request: Request, form: Form, errors: Form) -> None:
    milestone = form.get("milestone", "")
    if not milestone.isdigit():
        errors["milestone"] = "请选择里程碑"
        return
    uploads = await _uploads(request)
    service.report_milestone(db, p, bid_id, int(milestone), form.get("summary", ""), uploads)


async def _assess(db: Any, p: Any, bid_id: int, request: Request, form: Form, errors: Form) -> None:
    invest = amount_fen(form.get("total_investment", ""), "total_investment", errors, required=True)
    if form.get("passed") not in ("1", "0"):
        errors["passed"] = "请选择考核结论（实施成功或未通过）"
    body = {
        "passed": form.get("passed") == "1",
        "assessed_on": form.get("assessed_on", ""),
        "report": form.get("report", ""),
        "total_investment_fen": invest or 0,
    }
    data = None if errors else _model(s.AssessIn, body, errors)
    if data is not None:
        assessment.assess(db, p, bid_id, data)


HANDLERS = {
    "experts": _experts,
    "score": _score,
    "recuse": _recuse,
    "select": _decision(service.select_bid),
    "not_select": _decision(service.reject_bid),
    "withdraw": _decision(service.withdraw),
    "sign": _sign,
    "report": _report,
    "assess": _assess,
}


@router.post(
    "/bids/{bid_id}/{action}", summary="办理揭榜：邀请专家、评分、遴选、协议、里程碑、考核"
)
async def bid_do(
    request: Request, user: BidPartyUser, db: PageDb, bid_id: int, action: str
) -> Response:
    handler = HANDLERS.get(action)
    if handler is None:
        return html_error(request, 404, "没有这项操作")
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    try:
        await handler(db, user.principal, bid_id, request, form, errors)
    except ApiError as exc:
        db.rollback()
        errors, status = field_errors(exc), exc.status
    else:
        status = 422
    if errors:
        return _bid_page(request, user, db, bid_id, Redraw(errors, form, status))
    return redirect(request, f"/challenges/bids/{bid_id}?msg={DONE[action]}")
