"""The firm withdraws (撤回) a submitted application or amends one returned for correction
(退回补正): buttons on /enterprise/applications/{id}, errors beside the fields."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.applications import amend
from huiqi.platform.applications.schemas import AmendIn, WithdrawForm
from huiqi.platform.errors import ApiError
from huiqi.web.common import amount_fen, form_dict
from huiqi.web.deps import EnterpriseUser, PageDb
from huiqi.web.enterprise import application_page
from huiqi.web.forms import read_form
from huiqi.web.materials_pages import (
    form_errors_kept,
    submission_from_form,
)
from huiqi.web.render import Redraw, field_errors, redirect

router = APIRouter(prefix="/enterprise")


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
        return application_page(request, user, db, app_id, redraw=Redraw(errors, form))
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
        return application_page(request, user, db, app_id, redraw=Redraw(errors, form))
    return redirect(request, f"/enterprise/applications/{app_id}?msg={msg}", status_code=303)
