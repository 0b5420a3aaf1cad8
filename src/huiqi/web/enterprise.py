"""Enterprise pages: 一企一档, applications with timelines, draft -> submit, 免申即享 offers."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.applications import lifecycle, rounds
from huiqi.platform.applications import service as apps
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.schemas import ApplicationIn
from huiqi.platform.campaigns import service as campaigns
from huiqi.platform.clock import business_today
from huiqi.platform.engine import case_of_firm, evaluate_measure
from huiqi.platform.enterprises import service as ents
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.enterprises.schemas import CalculatorFiguresForm, FigureForm, FigureIn
from huiqi.platform.errors import ApiError
from huiqi.platform.payments import service as payments
from huiqi.platform.reviews.models import ReviewStep
from huiqi.web.calculator import result_view
from huiqi.web.common import amount_fen, app_row, form_dict, steps_of, timeline, versions_of
from huiqi.web.deps import EnterpriseUser, PageDb
from huiqi.web.forms import read_form
from huiqi.web.materials_pages import (
    commitment_preview,
    correction_inputs,
    form_errors_kept,
    input_data,
    shown,
    submission_from_form,
)
from huiqi.web.next_step import next_step
from huiqi.web.paging import limit_of, pager
from huiqi.web.render import Redraw, field_errors, html_error, page, policy, redirect
from huiqi.web.session import WebUser

router = APIRouter(prefix="/enterprise")


def _firm_id(request: Request, user: WebUser) -> int | None:
    if user.principal.enterprise_id:
        return user.principal.enterprise_id
    raw = request.query_params.get("enterprise_id", "")  # admins look at any firm
    return int(raw) if raw.isdigit() else None


def _profile(
    request: Request,
    user: WebUser,
    db: PageDb,
    redraw: Redraw | None = None,
) -> Response:
    eid = _firm_id(request, user)
    if eid is None:
        return html_error(
            request, 404, "当前账号未绑定企业；管理员请在地址后加 ?enterprise_id=编号"
        )
    prof = ents.profile(db, user.principal, eid)
    prof = {k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in prof.items()}
    for key in ("figures", "recognitions", "projects", "penalties"):
        prof[key] = [x.model_dump() if hasattr(x, "model_dump") else x for x in prof[key]]
    prof["figures"].sort(key=lambda f: f["year"], reverse=True)
    q = request.query_params
    mine = apps.firm_page(
        db, user.principal, eid, cursor=q.get("cursor") or None,
        limit=limit_of(q.get("limit", "")), brief=True,
    )  # fmt: skip
    my_apps = [app_row(r.app) for r in mine.items]
    pol = policy()
    kinds = {k: v.title for k, v in pol.recognition_kinds.items()}
    pkinds = {k: v.title for k, v in pol.project_kinds.items()}
    data = {
        "enterprise": prof,
        "recognition_titles": kinds,
        "project_titles": pkinds,
        "applications": my_apps,
        "applications_page": pager(request, mine),
        "next_cursor": mine.next_cursor,
    }
    return page(request, "ent_profile.html", data, title="一企一档", redraw=redraw)


@router.get("", summary="一企一档")
def profile(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    return _profile(request, user, db)


@router.post("/figures", summary="填报年度数据")
async def put_figures(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    year, errors = read_form(FigureForm, form)
    revenue = amount_fen(form.get("revenue", ""), "revenue", errors)
    rd = amount_fen(form.get("rd_expense", ""), "rd_expense", errors)
    employees_text = form.get("employees", "").strip()
    if employees_text and not employees_text.isdigit():
        errors["employees"] = "从业人员应为不小于 0 的整数（人）"
    employees = int(employees_text) if employees_text.isdigit() else None
    eid = _firm_id(request, user)
    if year is not None and not errors and eid is not None:
        try:
            body = FigureIn(revenue_fen=revenue, rd_expense_fen=rd, employees=employees)
            ents.put_figure(db, user.principal, eid, year.year, body)
        except ApiError as exc:
            db.rollback()
            errors.update(field_errors(exc))
    if errors or year is None:
        return _profile(request, user, db, redraw=Redraw(errors, form))
    return redirect(request, f"/enterprise?msg={year.year} 年度数据已保存", status_code=303)


@router.post("/figures-from-calculator", summary="把计算器中的数字存入一企一档")
async def figures_from_calculator(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    """The firm confirmed its figures in the calculator: store them, so that a draft application
    (which always freezes the 一企一档) uses exactly what the firm just saw."""
    form = form_dict(await request.form())
    year, errors = read_form(CalculatorFiguresForm, form)
    if year is None:
        return redirect(request, f"/calculator?msg={errors['fiscal_year']}", status_code=303)
    fy = year.fiscal_year
    rows = {
        fy: (
            amount_fen(form.get("revenue", ""), "revenue", errors),
            amount_fen(form.get("rd_expense", ""), "rd_expense", errors),
        ),
        fy - 1: (
            amount_fen(form.get("revenue_prev", ""), "revenue_prev", errors),
            amount_fen(form.get("rd_prev", ""), "rd_prev", errors),
        ),
    }
    eid = _firm_id(request, user)
    if errors or eid is None:
        return redirect(
            request, "/calculator?msg=金额有误，未保存：" + "；".join(errors.values()), 303
        )
    saved = []
    for figure_year, (revenue, rd) in rows.items():
        if revenue is None and rd is None:
            continue
        body = FigureIn(revenue_fen=revenue, rd_expense_fen=rd)
        ents.put_figure(db, user.principal, eid, figure_year, body)
        saved.append(str(figure_year))
    msg = f"已将 {'、'.join(saved)} 年度数据存入一企一档，请核对后测算并保存申报草稿"
    return redirect(request, f"/calculator?prefill=profile&msg={msg}", status_code=303)


# GET /enterprise/applications (the list, drafts included) lives in ent_drafts.py.


@router.get("/applications/{app_id}", summary="申报详情与进度")
def application(request: Request, user: EnterpriseUser, db: PageDb, app_id: int) -> Response:
    return application_page(request, user, db, app_id)


def amend_data(
    db: PageDb, user: WebUser, app: Application, steps: list[ReviewStep]
) -> dict[str, Any]:
    """What the application page needs for 撤回 / 修改: which buttons, why it was returned, and
    every snapshot version (the earlier ones stay readable)."""
    returns = [s for s in steps if s.stage == "return"]
    project = f"&project={app.project_id}" if app.project_id else ""
    # the buttons are what the lifecycle table lets this firm do now
    allowed = {t.action for t in lifecycle.LIFECYCLE.allowed_for(user.principal, app)}
    return {
        # a withdrawn claim (or a declined offer) may be applied for again as version n+1
        "reapply_url": (
            f"/enterprise/apply?measure={app.measure_id}&fiscal_year={app.fiscal_year}{project}"
            if Action.SUBMIT in allowed and app.status != "draft"
            else ""
        ),
        "can_withdraw": Action.WITHDRAW in allowed,
        "can_amend": Action.AMEND in allowed,
        "return_reason": returns[-1].opinion if returns and app.status == "returned" else "",
        "versions": versions_of(db, user.principal, app.id),
        **correction_inputs(db, app),
        **shown(db, user.principal, app.id),
    }


def application_page(
    request: Request,
    user: WebUser,
    db: PageDb,
    app_id: int,
    redraw: Redraw | None = None,
) -> Response:
    """The firm's application page; also re-rendered with errors by ent_amend's forms."""
    app = apps.get_visible_app(db, user.principal, app_id)
    pays = payments.list_for(db, user.principal, app_id)
    steps = steps_of(db, app_id)
    ent = db.get(Enterprise, app.enterprise_id)
    spec = policy().measures.get(app.measure_id)
    ahead = next_step(
        db,
        app,
        ent.district if ent else "",
        list(spec.units) if spec else [],
        f"/enterprise/applications/{app_id}",
        request.app.state.settings.notice_working_days,
    )
    data = {
        "application": app_row(app),
        "next_step": ahead,
        "timeline": timeline(app, steps, pays, db),
        "payments": [
            {
                "payer": p.payer,
                "amount_fen": p.amount_fen,
                "status": p.status,
                "voucher": p.voucher,
                "paid_at": p.paid_at,
            }
            for p in pays
        ],
        "evaluation_row": (app.evaluation or {}).get("row"),
        **amend_data(db, user, app, steps),
    }
    return page(
        request,
        "ent_application.html",
        data,
        title=f"申报 {app_id}",
        redraw=redraw,
    )


def _draft(
    request: Request,
    user: WebUser,
    db: PageDb,
    measure: str,
    fiscal_year: int,
    project: str,
    redraw: Redraw | None = None,
) -> Response:
    """The application as it would be frozen: the firm's 一企一档 facts and the engine's result."""
    pol = policy()
    spec = pol.measures.get(measure)
    eid = _firm_id(request, user)
    if spec is None or eid is None:
        return html_error(request, 404, f"政策中没有措施 {measure}")
    project_id = int(project) if project.isdigit() else None
    ent = ents.get_visible(db, user.principal, eid)
    # the preview is evaluated as a submission today would be (申报日 = today)
    case = case_of_firm(db, ent, fiscal_year, business_today())
    out = evaluate_measure(case, measure, project_id)
    try:
        rnd: dict[str, Any] | None = rounds.out(
            rounds.open_round_for(db, measure, fiscal_year)
        ).model_dump()
        round_closed = ""
    except ApiError as exc:
        rnd, round_closed = None, exc.errors[0]["message"]
    projects = [{"id": p.id, "name": p.name, "kind": p.kind} for p in ent.projects]
    preview = commitment_preview(ent, spec.id, fiscal_year, out.amount_fen)
    row = out.evaluation.get("row")
    view = result_view(pol, {**out.evaluation, "results": [row] if row else []})
    data = {
        "measure": {
            "id": spec.id,
            "title": spec.title,
            "kind": spec.kind,
            "level": spec.level,
            "summary": spec.summary,
            "words": spec.words,
        },
        "fiscal_year": fiscal_year,
        "round": rnd,
        "round_closed": round_closed,
        "today": business_today(),
        "project_id": project_id,
        "projects": [
            p for p in projects if not spec.source.kinds or p["kind"] in spec.source.kinds
        ],
        "facts": case,
        "engine": {"status": out.status, "amount_fen": out.amount_fen, "cap_fen": out.cap_fen},
        "result": view,
        "idempotency_key": (redraw.form if redraw else {}).get("idempotency_key")
        or uuid.uuid4().hex,
        **input_data(spec.id),
        "commitment_preview": preview,
    }
    return page(request, "ent_draft.html", data, title="申报草稿", redraw=redraw)


@router.get("/apply", summary="申报草稿（核对后提交）")
def draft(
    request: Request,
    user: EnterpriseUser,
    db: PageDb,
    measure: str = "",
    fiscal_year: int = 0,
    project: str = "",
) -> Response:
    if not fiscal_year:
        from huiqi.web.calc_form import default_dates
        from huiqi.web.library import today

        fiscal_year = default_dates(policy(), today())[1]
    return _draft(request, user, db, measure, fiscal_year, project)


# form field names differ from the API's where a person types yuan, not fen
FORM_FIELD = {"requested_amount_fen": "requested_amount", "enterprise_id": "_form"}


def claim_from_form(
    request: Request, user: WebUser, form: dict[str, str], errors: dict[str, str]
) -> tuple[str, int, str, ApplicationIn | None]:
    """(measure, fiscal year, project, body) from the apply / save-draft form.

    body is None when the form is wrong (errors then says why, beside the field) or when no
    firm is chosen (an admin without ?enterprise_id).
    """
    measure = form.get("measure", "")
    eid = _firm_id(request, user)
    if eid is None:
        return measure, 0, "", None
    fy = int(form["fiscal_year"]) if form.get("fiscal_year", "").isdigit() else 0
    project = form.get("project_id") or form.get("project") or ""
    requested = amount_fen(form.get("requested_amount", ""), "requested_amount", errors)
    if errors:
        return measure, fy, project, None
    try:
        body = ApplicationIn(
            enterprise_id=eid,
            measure_id=measure,
            fiscal_year=fy,
            project_id=int(project) if project.isdigit() else None,
            requested_amount_fen=requested,
            statement=form.get("statement", "")[:5000],
        )
    except ValueError:  # pydantic: a tampered form (measure / year missing)
        errors["_form"] = "申报信息不完整，请从政策计算器或申报页重新保存"
        return measure, fy, project, None
    return measure, fy, project, body


def claim_errors(exc: ApiError) -> dict[str, str]:
    """The service's refusal of a claim, keyed by the form's field names."""
    return {FORM_FIELD.get(k, k): v for k, v in field_errors(exc).items()}


def summarise_form_errors(errors: dict[str, str]) -> None:
    """Errors of fields the page does not show go to the top of the form."""
    if set(errors) - {"requested_amount", "statement", "project_id"} - form_errors_kept(errors):
        errors["_form"] = "；".join(v for k, v in errors.items() if k != "_form") or errors["_form"]


@router.post("/apply", summary="提交申报")
async def submit(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    measure, fy, project, body = claim_from_form(request, user, form, errors)
    if body is not None:
        try:
            sent = await submission_from_form(request)  # documents and the 信用承诺书
            key = form.get("idempotency_key")
            app, _created = apps.submit(db, user.principal, body, key, sent)
        except ApiError as exc:
            db.rollback()  # release SQLite's write lock before the page re-reads
            errors.update(claim_errors(exc))
        else:
            return redirect(
                request,
                f"/enterprise/applications/{app.id}?msg=申报已提交，编号 {app.id}",
                status_code=303,
            )
    summarise_form_errors(errors)
    return _draft(request, user, db, measure, fy, project, redraw=Redraw(errors, form))


@router.get("/offers", summary="免申即享")
def offers(
    request: Request, user: EnterpriseUser, db: PageDb, cursor: str = "", limit: str = ""
) -> Response:
    found = campaigns.pushes_page(db, user.principal, cursor=cursor or None, limit=limit_of(limit))
    rows = [
        {
            "id": r.push.id,
            "campaign_id": r.push.campaign_id,
            "pushed_at": r.push.pushed_at,
            "response": r.push.response,
            "responded_at": r.push.responded_at,
            "application": app_row(r.application),
        }
        for r in found.items
    ]
    data = {"offers": rows, "pages": pager(request, found), "next_cursor": found.next_cursor}
    return page(request, "ent_offers.html", data, title="免申即享")


@router.post("/offers/{push_id}/{action}", summary="确认或放弃免申即享")
def respond(
    request: Request, user: EnterpriseUser, db: PageDb, push_id: int, action: str
) -> Response:
    if action not in ("confirm", "decline"):
        return html_error(request, 404, "未知操作")
    try:
        campaigns.respond(db, user.principal, push_id, action == "confirm")
    except ApiError as exc:
        return redirect(request, f"/enterprise/offers?msg={exc.errors[0]['message']}", 303)
    msg = "已确认享受，申报进入审核" if action == "confirm" else "已放弃该项支持"
    return redirect(request, f"/enterprise/offers?msg={msg}", status_code=303)
