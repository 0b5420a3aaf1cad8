"""Officer pages: review queue (scoped to unit + district), review page with the frozen snapshot,
the engine's explanation, earlier awards and the credit flag; decide; payments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from huiqi.platform.applications import amend, lifecycle, rounds
from huiqi.platform.applications import service as apps
from huiqi.platform.applications.models import Application
from huiqi.platform.clock import business_today
from huiqi.platform.credit.service import check as credit_check
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError
from huiqi.platform.experts import service as experts
from huiqi.platform.pagination import COUNT_CAP
from huiqi.platform.payments import service as payments
from huiqi.platform.policy import cap_fen
from huiqi.platform.public_notices import service as notices
from huiqi.platform.public_notices.objections import objections_for
from huiqi.platform.reviews import duplicates
from huiqi.platform.reviews import service as reviews
from huiqi.platform.reviews.schemas import (
    REVIEW_FORMS,
    AssignForm,
    CityReviewIn,
    DecisionForm,
    DecisionIn,
    ObjectionRulingForm,
    OutcomeForm,
    ReturnForm,
    ReviewIn,
)
from huiqi.rules.api import explain_case_text
from huiqi.web.common import (
    amount_fen,
    app_row,
    form_dict,
    steps_of,
    timeline,
    versions_of,
)
from huiqi.web.deps import OfficerUser, PageDb, require_page
from huiqi.web.forms import read_form
from huiqi.web.materials_pages import requestable, shown
from huiqi.web.next_step import next_step
from huiqi.web.paging import limit_of, pager
from huiqi.web.render import STATUS_ZH, Redraw, field_errors, html_error, page, policy, redirect
from huiqi.web.session import WebUser

router = APIRouter(prefix="/officer")
OFFICERS = ("district_officer", "city_officer")
RoundsUser = Annotated[WebUser, Depends(require_page("city_officer", "admin"))]


@router.get("/queue", summary="待审队列")
def queue(
    request: Request,
    user: OfficerUser,
    db: PageDb,
    status: str = "",
    cursor: str = "",
    others_cursor: str = "",
    limit: str = "",
) -> Response:
    todo = apps.queue_page(
        db, user.principal, cursor=cursor or None, limit=limit_of(limit), brief=True
    )
    waiting = apps.queue_count(db, user.principal)
    done = apps.others_page(
        db,
        user.principal,
        status if status in STATUS_ZH else "",
        cursor=others_cursor or None,
        limit=limit_of(limit),
        brief=True,
    )
    queue_rows = [app_row(r.app, r.enterprise_name) for r in todo.items]
    other_rows = [app_row(r.app, r.enterprise_name) for r in done.items]
    scope = (
        f"{user.principal.district}（区级初审）"
        if user.role == "district_officer"
        else f"{'、'.join(user.principal.units) or '全部单位'}（市级复核与决定）"
    )
    data = {
        "scope": scope,
        "queue": queue_rows,
        # over all pages, counted up to COUNT_CAP: beyond it the page says "1000+"
        "queue_total": min(waiting, COUNT_CAP),
        "queue_total_exact": waiting <= COUNT_CAP,
        "others": other_rows,
        "queue_page": pager(request, todo),
        "others_page": pager(request, done, "others_cursor"),
        "next_cursor": todo.next_cursor,
        "status_filter": status,
        "statuses": [(k, v) for k, v in STATUS_ZH.items() if k != "draft"],  # never shown
    }
    return page(request, "off_queue.html", data, title="待审队列")


# The page's forms, in page order, and the lifecycle actions each one takes.
FORMS = {
    "district": ("district_pass", "district_reject"),
    "city": ("city_pass", "city_pass_to_expert", "city_reject"),
    "expert": ("expert_pass", "expert_reject"),
    "assign": ("send_to_expert",),
    "return": ("return",),
    "decide": ("approve", "reject"),
    "schedule": ("schedule_payment",),
}


def _actions(user: WebUser, app: Application) -> list[str]:
    """Which forms the page offers: exactly what the lifecycle table lets this officer do now."""
    allowed = {t.action.value for t in lifecycle.LIFECYCLE.allowed_for(user.principal, app)}
    acts = [name for name, actions in FORMS.items() if allowed & set(actions)]
    if app.status == "expert_review" and "expert" in acts:
        acts.insert(acts.index("expert") + 1, "assign")  # invite more while the step is open
    return acts


def _review(
    request: Request,
    user: WebUser,
    db: PageDb,
    app_id: int,
    redraw: Redraw | None = None,
) -> Response:
    pol = policy()
    app = apps.get_visible_app(db, user.principal, app_id)
    pays = payments.list_for(db, user.principal, app_id)
    ent = db.get(Enterprise, app.enterprise_id)
    assert ent is not None
    credit = credit_check(db, ent)
    recheck = reviews.recheck(db, app) if app.status not in ("paid",) else None
    steps = steps_of(db, app_id)
    row = app_row(app, ent.name)
    try:
        explanation = explain_case_text(pol, app.facts)
    except Exception:  # a snapshot from an older policy version still shows its facts
        explanation = "（该快照无法用当前政策版本重新解释）"
    spec = pol.measures.get(app.measure_id)
    city = bool(
        lifecycle.acts_as(user.principal, app) & {lifecycle.Actor.CITY, lifecycle.Actor.ADMIN}
    )
    data = {
        "application": row,
        "enterprise": {
            "id": ent.id,
            "name": ent.name,
            "credit_code": ent.credit_code,
            "district": ent.district,
            "industry": ent.industry,
        },
        "snapshot": app.facts,
        "policy_version": (
            f"{pol.document_number}，版本 {app.policy_version}"
            if app.policy_id == pol.id
            else f"政策版本 {app.policy_version}"
        ),
        "evaluation_row": (app.evaluation or {}).get("row"),
        "explanation": explanation,
        "prior_awards": (app.facts or {}).get("prior_awards", []),
        "recheck": recheck,
        "credit": {"blocked": credit.blocked, "reasons": credit.reasons},
        "timeline": timeline(app, steps, pays, db),
        "objections": objections_for(db, user.principal, app_id),
        "payments": [
            {
                "id": p.id,
                "payer": p.payer,
                "amount_fen": p.amount_fen,
                "status": p.status,
                "voucher": p.voucher,
                "paid_at": p.paid_at,
            }
            for p in pays
        ],
        "actions": _actions(user, app),
        "next_step": next_step(
            db,
            app,
            ent.district,
            list(spec.units) if spec else [],
            f"/officer/applications/{app_id}",
            request.app.state.settings.notice_working_days,
        ),
        **expert_data(db, user, app),
        "versions": versions_of(db, user.principal, app_id),
        **shown(db, user.principal, app_id),
        "requestable_documents": requestable(app.measure_id),
        "measure": {
            "kind": spec.kind if spec else "",
            "summary": spec.summary if spec else "",
            "cap_fen": cap_fen(app.measure_id, app.fiscal_year) if spec else None,
        },
        "duplicates": duplicates.clearance(db, app)
        if city and app.status in ("city_passed", "expert_review")
        else None,
        "may_decide_objections": city,
    }
    return page(
        request,
        "off_review.html",
        data,
        title=f"审核申报 {app_id}",
        redraw=redraw,
    )


def expert_data(db: Any, user: WebUser, app: Application) -> dict[str, Any]:
    """The expert step on the review page: opinions so far and whom the officer may invite.
    District officers do not see the opinions: the decision is the city's."""
    if user.role not in ("city_officer", "admin"):
        return {"expert_opinions": [], "experts": []}
    opinions = [
        experts.out(db, a).model_dump(mode="json") for a in experts.for_application(db, app)
    ]
    invited = {o["expert_id"] for o in opinions}
    pool = [
        {"id": u.id, "display_name": u.display_name}
        for u in experts.experts(db)
        if u.id not in invited
    ]
    return {"expert_opinions": opinions, "experts": pool}


@router.get("/applications/{app_id}", summary="审核页")
def review_page(request: Request, user: OfficerUser, db: PageDb, app_id: int) -> Response:
    return _review(request, user, db, app_id)


@router.post("/applications/{app_id}", summary="审核操作")
async def review_action(request: Request, user: OfficerUser, db: PageDb, app_id: int) -> Response:
    raw = await request.form()
    form = form_dict(raw)
    action = form.get("action", "")
    p = user.principal
    schema = REVIEW_FORMS.get(action)
    lists = {k: raw.getlist(k) for k in ("expert_ids", "requested_documents")}
    body, errors = read_form(schema, {**form, **lists}) if schema else (None, {})
    if schema is OutcomeForm and errors:
        return _review(request, user, db, app_id, redraw=Redraw(errors, form))
    amount = amount_fen(form.get("amount", ""), "amount", errors) if action == "decide" else None
    try:
        if errors:
            key = next(iter(errors))
            raise ApiError(422, "invalid", errors[key], key)
        if isinstance(body, OutcomeForm):
            review = ReviewIn(outcome=body.outcome, opinion=body.opinion)
            if action == "district":
                reviews.district_review(db, p, app_id, review)
                msg = "区级初审已完成"
            elif action == "city":
                city = CityReviewIn(**review.model_dump(), needs_expert=body.needs_expert)
                reviews.city_review(db, p, app_id, city)
                msg = "市级复核已完成"
            else:
                reviews.expert_review(db, p, app_id, review)
                msg = "专家评审已结束"
        elif isinstance(body, AssignForm):
            experts.assign(db, p, app_id, body.expert_ids)
            msg = "已送专家评审"
        elif isinstance(body, ReturnForm):
            wanted = body.requested_documents
            amend.return_for_correction(db, p, app_id, body.return_reason, wanted)
            msg = "已退回企业补正"
        elif isinstance(body, DecisionForm):
            approve = body.approve == "yes"
            decision = DecisionIn(
                approve=approve, amount_fen=amount if approve else None, reason=body.reason
            )
            _app, warn = reviews.decide(db, p, app_id, decision)
            msg = "已作出决定" + (f"。{warn}" if warn else "")
        elif isinstance(body, ObjectionRulingForm):
            upheld = body.upheld == "yes"
            notices.decide_objection(db, p, body.objection_id, upheld, body.objection_reason)
            msg = "异议成立，已撤出公示并退回市级复核" if upheld else "异议不成立，公示照常"
        elif action == "schedule":
            payments.schedule(db, p, app_id)
            msg = "已按分担比例安排拨付"
        elif action == "dup_explain":
            duplicates.explain(db, p, app_id, form.get("dup_reason", "")[:5000])
            msg = "已记录核查理由，待另一名审核员确认"
        elif action == "dup_confirm":
            duplicates.confirm(db, p, app_id)
            msg = "已确认重复支持核查理由"
        else:
            return html_error(request, 400, "未知的审核操作")
    except ApiError as exc:
        db.rollback()  # release SQLite's write lock before the page re-reads
        rename = {"amount_fen": "amount", "reason": "return_reason"}
        if action == "dup_explain":
            rename["reason"] = "dup_reason"
        elif action == "objection":
            rename["reason"] = "objection_reason"
        elif action != "return":
            rename.pop("reason")
        for k, v in field_errors(exc).items():
            errors.setdefault(rename.get(k, k), v)
        known = {
            "opinion",
            "amount",
            "reason",
            "expert_ids",
            "return_reason",
            "dup_reason",
            "approve",
        }
        if set(errors) - known:
            errors["_form"] = "；".join(v for k, v in errors.items() if k not in known)
        return _review(request, user, db, app_id, redraw=Redraw(errors, form))
    return redirect(request, f"/officer/applications/{app_id}?msg={msg}", status_code=303)


@router.get("/payments", summary="拨付记录")
def payment_list(
    request: Request,
    user: OfficerUser,
    db: PageDb,
    cursor: str = "",
    ready_cursor: str = "",
    limit: str = "",
) -> Response:
    pays = payments.payments_page(db, user.principal, cursor=cursor or None, limit=limit_of(limit))
    ready = payments.ready_page(
        db, user.principal, cursor=ready_cursor or None, limit=limit_of(limit)
    )
    rows: list[dict[str, Any]] = [
        {
            "id": r.payment.id,
            "application_id": r.application.id,
            "enterprise_name": r.enterprise_name,
            "district": r.district,
            "measure_id": r.application.measure_id,
            "payer": r.payment.payer,
            "amount_fen": r.payment.amount_fen,
            "status": r.payment.status,
            "voucher": r.payment.voucher,
            "paid_at": r.payment.paid_at,
            "can_mark": r.payment.status == "pending"
            and payments.may_confirm(user.principal, r.application, r.payment.payer),
        }
        for r in pays.items
    ]
    data = {
        "payments": rows,
        "ready": [app_row(app, name) for app, name in ready.items],
        "total_paid_fen": payments.total_paid_fen(db, user.principal),
        "payments_page": pager(request, pays),
        "ready_page": pager(request, ready, "ready_cursor"),
        "next_cursor": pays.next_cursor,
    }
    return page(request, "off_payments.html", data, title="拨付记录")


@router.post("/payments/{payment_id}/paid", summary="确认拨付到账")
async def mark_paid(request: Request, user: OfficerUser, db: PageDb, payment_id: int) -> Response:
    form = form_dict(await request.form())
    voucher = form.get("voucher", "").strip()[:128]
    if not voucher:
        return redirect(request, "/officer/payments?msg=请填写拨付凭证号", status_code=303)
    try:
        payments.mark_paid(db, user.principal, payment_id, voucher)
    except ApiError as exc:
        return redirect(request, f"/officer/payments?msg={exc.errors[0]['message']}", 303)
    return redirect(request, "/officer/payments?msg=已确认拨付", status_code=303)


# ---- 申报批次 ----------------------------------------------------------------------------


def _rounds_page(
    request: Request,
    user: WebUser,
    db: PageDb,
    redraw: Redraw | None = None,
) -> Response:
    pol = policy()
    mine = set(apps.measures_of_units(user.principal.units)) if user.role != "admin" else None
    measures = [
        {"id": m.id, "title": m.title}
        for m in pol.measures.values()
        if mine is None or m.id in mine
    ]
    listed = [rounds.out(r).model_dump() for r in rounds.list_rounds(db)]
    listed = [r for r in listed if mine is None or r["measure_id"] in mine]
    data = {
        "measures": measures,
        "rounds": listed,
        "today": business_today(),
        "window_end": pol.window_end,
    }
    return page(request, "off_rounds.html", data, title="申报批次", redraw=redraw)


@router.get("/rounds", summary="申报批次")
def rounds_page(request: Request, user: RoundsUser, db: PageDb) -> Response:
    return _rounds_page(request, user, db)


@router.post("/rounds", summary="开放申报批次")
async def open_round(request: Request, user: RoundsUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    body, errors = read_form(rounds.RoundIn, form)
    if body is None:
        errors.setdefault("_form", "请检查措施、年度与日期")
        return _rounds_page(request, user, db, redraw=Redraw(errors, form))
    try:
        r = rounds.open_round(db, user.principal, body)
    except ApiError as exc:
        db.rollback()
        return _rounds_page(request, user, db, redraw=Redraw.refused(exc, form, summary=True))
    return redirect(request, f"/officer/rounds?msg=已开放申报批次 {r.id}", status_code=303)
