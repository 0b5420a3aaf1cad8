"""Stored draft applications from the firm's side: save (from the calculator or the confirm
page), then submit or delete on 我的申报. All through huiqi.platform.applications.drafts, so the
pages keep exactly the API's rules, audit entries and idempotency."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from huiqi.platform.applications import drafts
from huiqi.platform.applications import service as apps
from huiqi.platform.errors import ApiError
from huiqi.platform.materials.service import upload as upload_documents
from huiqi.web.common import app_row, form_dict
from huiqi.web.deps import EnterpriseUser, PageDb
from huiqi.web.enterprise import _draft, claim_errors, claim_from_form, summarise_form_errors
from huiqi.web.materials_pages import submission_from_form
from huiqi.web.paging import limit_of, pager
from huiqi.web.render import Redraw, field_errors, page, redirect, wants_json
from huiqi.web.session import WebUser

router = APIRouter(prefix="/enterprise")


def applications_page(
    request: Request,
    user: WebUser,
    db: PageDb,
    redraw: Redraw | None = None,
) -> Response:
    q = request.query_params
    mine = apps.firm_page(
        db, user.principal, user.principal.enterprise_id or -1,
        cursor=q.get("cursor") or None, limit=limit_of(q.get("limit", "")), brief=True,
    )  # fmt: skip
    rows = [app_row(r.app) for r in mine.items]
    total, draft_count = apps.firm_counts(db, user.principal, user.principal.enterprise_id or -1)
    for row in rows:
        if row["status"] == "draft":
            # one key per rendering of the form: a double click on 提交 submits once
            row["idempotency_key"] = uuid.uuid4().hex
    data = {
        "applications": rows,
        # over all pages, not just this one
        "drafts": draft_count,
        "total": total,
        "pages": pager(request, mine),
        "next_cursor": mine.next_cursor,
    }
    return page(request, "ent_applications.html", data, title="我的申报", redraw=redraw)


@router.get("/applications", summary="我的申报（含草稿）")
def applications(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    return applications_page(request, user, db)


@router.post("/drafts", summary="保存申报草稿")
async def save(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    saved = ""
    measure, fy, project, body = claim_from_form(request, user, form, errors)
    if body is not None:
        try:
            app, created = drafts.save_draft(db, user.principal, body)
        except ApiError as exc:
            db.rollback()  # release SQLite's write lock before the page re-reads
            errors.update(claim_errors(exc))
        else:
            # files chosen on the form go with the draft (in their own transaction: the
            # draft is saved even if a file is refused, and the page says so)
            sent = await submission_from_form(request)
            try:
                if sent.uploads:
                    upload_documents(db, user.principal, app.id, sent.uploads)
            except ApiError as exc:
                db.rollback()
                errors.update(claim_errors(exc))
                saved = f"申报草稿已保存（编号 {app.id}），但所选文件未能上传，请更正后重新选择"
            else:
                if wants_json(request):
                    row = jsonable_encoder(app_row(app))
                    status = 201 if created else 200
                    return JSONResponse({"application": row}, status_code=status)
                verb = "已保存" if created else "已更新"
                msg = f"申报草稿{verb}（编号 {app.id}），核对后点击“提交”"
                return redirect(request, f"/enterprise/applications?msg={msg}", status_code=303)
    summarise_form_errors(errors)
    if saved:
        errors["_form"] = saved
    return _draft(request, user, db, measure, fy, project, redraw=Redraw(errors, form))


@router.post("/applications/{app_id}/submit", summary="提交申报草稿")
async def submit(request: Request, user: EnterpriseUser, db: PageDb, app_id: int) -> Response:
    form = form_dict(await request.form())
    try:
        app, _created = drafts.submit_draft(
            db, user.principal, app_id, form.get("idempotency_key") or None
        )
    except ApiError as exc:
        db.rollback()  # release SQLite's write lock before the list is read again
        msg = "；".join(field_errors(exc).values())
        return applications_page(request, user, db, redraw=Redraw({f"app-{app_id}": msg}))
    if wants_json(request):
        return JSONResponse({"application": jsonable_encoder(app_row(app))}, status_code=200)
    return redirect(
        request, f"/enterprise/applications/{app.id}?msg=申报已提交，编号 {app.id}", status_code=303
    )


@router.post("/applications/{app_id}/delete", summary="删除申报草稿")
def delete(request: Request, user: EnterpriseUser, db: PageDb, app_id: int) -> Response:
    try:
        drafts.delete_draft(db, user.principal, app_id)
    except ApiError as exc:
        db.rollback()  # as in submit()
        msg = "；".join(field_errors(exc).values())
        return applications_page(request, user, db, redraw=Redraw({f"app-{app_id}": msg}))
    if wants_json(request):
        return JSONResponse({"deleted": app_id})
    return redirect(request, f"/enterprise/applications?msg=草稿 {app_id} 已删除", 303)
