"""The firm withdraws (撤回) a submitted application or amends one returned for correction
(退回补正): buttons on /enterprise/applications/{id}, errors beside the fields."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.applications import amend, lifecycle
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.schemas import AmendIn, WithdrawForm
from huiqi.platform.errors import ApiError
from huiqi.platform.reviews.models import ReviewStep
from huiqi.web.common import amount_fen, form_dict, versions_of
from huiqi.web.deps import EnterpriseUser, PageDb
from huiqi.web.enterprise import application_page
from huiqi.web.forms import read_form
from huiqi.web.materials_pages import (
    correction_inputs,
    form_errors_kept,
    shown,
    submission_from_form,
)
from huiqi.web.render import redirect
from huiqi.web.session import WebUser, field_errors

router = APIRouter(prefix="/enterprise")


def amend_data(
    db: PageDb, user: WebUser, app: Application, steps: list[ReviewStep]
) -> dict[str, Any]:
    """What the application page needs for 撤回 / 修改: which buttons, why it was returned, and
    every snapshot version (the earlier ones stay readable)."""
    returns = [s for s in steps if s.stage == "return"]
    project = f"&project={app.project_id}" if app.project_id else ""
    # the buttons are what the lifecycle table lets this firm do now
    allowed = {t.action for t in lifecycle.allowed(user.principal, app)}
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


@router.post("/applications/{app_id}/withdraw", summary="撤回申报")
async def withdraw(request: Request, user: EnterpriseUser, db: PageDb, app_id: int) -> Response:
    form = form_dict(await request.form())
    body, errors = read_form(WithdrawForm, form)
    try:
        if body is None:
            raise ApiError(422, "required", errors["withdraw_reason"], "reason")
        amend.withdraw(db, user.principal, app_id, body.withdraw_reason)
    except ApiError as exc:
        db.rollback()
        errors = {{"reason": "withdraw_reason"}.get(k, k): v for k, v in field_errors(exc).items()}
        if set(errors) - {"withdraw_reason"}:
            errors["_form"] = "；".join(errors.values())
        return application_page(request, user, db, app_id, errors=errors, form=form, status=422)
    return redirect(request, f"/enterprise/applications/{app_id}?msg=申报已撤回", status_code=303)


@router.post("/applications/{app_id}/amend", summary="补正后重新提交")
async def amend_resubmit(
    request: Request, user: EnterpriseUser, db: PageDb, app_id: int
) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    requested = amount_fen(form.get("requested_amount", ""), "requested_amount", errors)
    try:
        if errors:
            raise ApiError(422, "amount", errors["requested_amount"], "requested_amount")
        body = AmendIn(
            requested_amount_fen=requested or None,
            statement=form.get("statement", "")[:5000] or None,
        )
        sent = await submission_from_form(request)  # the answer may be new documents
        app = amend.amend(db, user.principal, app_id, body, sent)
        msg = f"已补正并重新提交（第 {app.version} 版快照），等待区级初审"
    except ApiError as exc:
        db.rollback()
        rename = {"requested_amount_fen": "requested_amount"}
        for k, v in field_errors(exc).items():
            errors.setdefault(rename.get(k, k), v)
        if set(errors) - {"requested_amount", "statement"} - form_errors_kept(errors):
            errors["_form"] = "；".join(errors.values())
        return application_page(request, user, db, app_id, errors=errors, form=form, status=422)
    return redirect(request, f"/enterprise/applications/{app_id}?msg={msg}", status_code=303)
