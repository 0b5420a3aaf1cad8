"""公示: batches anyone can read without logging in, and object to by real name during the
period — logged-in users with their account, everyone else with name, 居民身份证 number, mobile
and evidence files (the platform's public objection path, same service, same rate limit). City
officers publish batches of approved applications and close them when the period ends. The Excel
export is the platform's own endpoint (the browser's session cookie authorises it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.errors import ApiError
from huiqi.platform.public_notices import objections as public
from huiqi.platform.public_notices import service as notices
from huiqi.platform.public_notices.models import NoticeBatch
from huiqi.platform.public_notices.schemas import BatchIn, BatchOut, ObjectionIn
from huiqi.platform.public_notices.views import objection_rate_limited, read_evidence
from huiqi.platform.ratelimit import client_of
from huiqi.rules.errors import InputError
from huiqi.web.common import app_row, beijing_today, form_dict
from huiqi.web.deps import CityOfficerUser, MaybeUser, PageDb, PageUser
from huiqi.web.forms import read_form
from huiqi.web.paging import limit_of, pager
from huiqi.web.render import Redraw, field_errors, page, redirect
from huiqi.web.session import WebUser

router = APIRouter()
STATE_ZH = notices.ITEM_STATE_ZH


def _batch(b: NoticeBatch, today: dt.date) -> dict[str, Any]:
    d = BatchOut.model_validate(b).model_dump()
    d["in_period"] = b.status == "open" and b.start_date <= today <= b.end_date
    d["export_url"] = f"/api/v1/notices/{b.id}/export.xlsx"
    # end_date is counted on the State Council's schedule (public_notices/workdays.py)
    d["period_zh"] = (
        f"{b.start_date} 至 {b.end_date}（{b.working_days} 个工作日，已扣除法定节假日）"
    )
    return d


@router.get("/notices", summary="公示名单")
def batch_list(request: Request, db: PageDb, cursor: str = "", limit: str = "") -> Response:
    today = beijing_today()
    found = notices.batches_page(db, cursor=cursor or None, limit=limit_of(limit))
    data = {
        "batches": [_batch(b, today) for b in found.items],
        "today": today,
        "pages": pager(request, found),
        "next_cursor": found.next_cursor,
    }
    return page(request, "notices.html", data, title="公示名单")


def _detail(
    request: Request,
    user: WebUser | None,
    db: PageDb,
    batch_id: int,
    redraw: Redraw | None = None,
) -> Response:
    b = notices.get_batch(db, batch_id)
    q = request.query_params
    found = notices.items_page(
        db, b, cursor=q.get("cursor") or None, limit=limit_of(q.get("limit", ""))
    )
    items = [
        {**it.model_dump(), "state_zh": STATE_ZH.get(it.state, it.state)} for it in found.items
    ]
    data: dict[str, Any] = {
        "batch": _batch(b, beijing_today()),
        "items": items,
        "items_total": notices.items_count(db, b),  # every page, for the objection form
        "pages": pager(request, found),
        "next_cursor": found.next_cursor,
        # only whoever may close it sees the button (another bureau's officer does not)
        "can_close": user is not None
        and b.status == "open"
        and notices.may_close(user.principal, b),
        "logged_in": user is not None,
        # without login the form is the real-name public one (multipart, with evidence)
        "public_objection": {
            "action": f"/notices/{b.id}/public-objections",
            "api": f"/api/v1/notices/{b.id}/public-objections",
            "max_files": public.MAX_FILES,
            "max_file_mb": public.MAX_FILE_BYTES // (1024 * 1024),
            "file_types": list(public.SIGNATURES),
            "reason_length": [public.MIN_REASON, public.MAX_REASON],
        },
    }
    return page(
        request,
        "notice.html",
        data,
        title=f"公示：{data['batch']['title']}",
        redraw=redraw,
    )


@router.get("/notices/{batch_id}", summary="公示批次详情")
def batch_detail(request: Request, user: MaybeUser, db: PageDb, batch_id: int) -> Response:
    return _detail(request, user, db, batch_id)


@router.post("/notices/{batch_id}/objections", summary="实名提出异议")
async def object_to(request: Request, user: PageUser, db: PageDb, batch_id: int) -> Response:
    form = form_dict(await request.form())
    body, errors = read_form(ObjectionIn, form)
    if body is None:
        return _detail(request, user, db, batch_id, redraw=Redraw(errors, form))
    try:
        notices.object_to(db, user.principal, batch_id, body)
    except ApiError as exc:
        db.rollback()  # release SQLite's write lock before the page re-reads
        redraw = Redraw(field_errors(exc) | {"_form": exc.errors[0]["message"]}, form)
        return _detail(request, user, db, batch_id, redraw=redraw)
    return redirect(request, f"/notices/{batch_id}?msg=异议已提交，审核部门核查后作出结论", 303)


@router.post("/notices/{batch_id}/public-objections", summary="公众实名提出异议（免登录）")
async def public_object_to(
    request: Request, user: MaybeUser, db: PageDb, batch_id: int
) -> Response:
    raw = await request.form()
    form = form_dict(raw)
    try:
        await objection_rate_limited(request)
        # an empty file input still sends a part with no file name
        uploads = [f for f in raw.getlist("evidence") if not isinstance(f, str) and f.filename]
        app_id = form.get("application_id", "")
        fields, evidence = public.check_public_objection(
            int(app_id) if app_id.isdigit() and 1 <= int(app_id) <= 2**31 - 1 else None,
            form.get("real_name", ""),
            form.get("id_number", ""),
            form.get("phone", ""),
            form.get("reason", ""),
            form.get("evidence_note", ""),
            await read_evidence(uploads),
        )
    except (ApiError, InputError) as exc:
        errors = _file_errors(field_errors(exc))
        return _detail(request, user, db, batch_id, redraw=Redraw(errors, form, _status(exc)))
    try:
        public.file_public_objection(db, batch_id, fields, evidence, client_of(request))
    except (ApiError, InputError) as exc:
        db.rollback()  # release SQLite's write lock before the page re-reads
        errors = _file_errors(field_errors(exc))
        errors.setdefault("_form", next(iter(errors.values())))
        return _detail(request, user, db, batch_id, redraw=Redraw(errors, form, _status(exc)))
    return redirect(
        request,
        f"/notices/{batch_id}?msg=异议已受理，名单显示“有异议·核查中”；审核部门将与您电话核实",
        303,
    )


def _file_errors(errors: dict[str, str]) -> dict[str, str]:
    """evidence[1] -> evidence: the form has one file input, so its errors show beside it."""
    out: dict[str, str] = {}
    for path, msg in errors.items():
        key = "evidence" if path.startswith("evidence[") else path
        out[key] = f"{out[key]}；{msg}" if key in out else msg
    if "batch_id" in out:
        out["_form"] = out.pop("batch_id")
    return out


def _status(exc: ApiError | InputError) -> int:
    return exc.status if isinstance(exc, ApiError) else 422


# ---- officers: publish and close batches -------------------------------------------------------


@router.get("/officer/notices", summary="公示批次管理")
def officer_batches(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    return _officer(request, user, db)


def _officer(
    request: Request,
    user: WebUser,
    db: PageDb,
    redraw: Redraw | None = None,
    chosen: list[int] | None = None,
) -> Response:
    today = beijing_today()
    q = request.query_params
    waiting = notices.approved_page(
        db, user.principal, cursor=q.get("cursor") or None,
        limit=limit_of(q.get("limit", "")),
    )  # fmt: skip
    found = notices.batches_page(
        db, cursor=q.get("batches_cursor") or None, limit=limit_of(q.get("limit", ""))
    )
    approved = [app_row(a, name) for a, name in waiting.items]
    batches = [_batch(b, today) for b in found.items]
    data = {
        "approved": approved,
        # nothing is pre-ticked: only what the officer ticked is ticked again after an error
        "chosen": [str(x) for x in (chosen or [])],
        "batches": batches,
        "approved_page": pager(request, waiting),
        "batches_page": pager(request, found, "batches_cursor"),
        "next_cursor": waiting.next_cursor,
        "today": today,
        "default_days": request.app.state.settings.notice_working_days,
    }
    return page(request, "off_notices.html", data, title="公示批次", redraw=redraw)


@router.post("/officer/notices", summary="发布公示批次")
async def publish(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    raw = await request.form()
    form = form_dict(raw)
    ids = [int(x) for x in raw.getlist("application_ids") if isinstance(x, str) and x.isdigit()]
    body, errors = read_form(BatchIn, {**form, "application_ids": ids})
    if body is not None:
        try:
            b = notices.create_batch(
                db, user.principal, body, request.app.state.settings.notice_working_days
            )
        except ApiError as exc:
            db.rollback()  # release SQLite's write lock before the page re-reads
            errors.update(field_errors(exc))
            errors.setdefault("_form", exc.errors[0]["message"])
        else:
            return redirect(request, f"/notices/{b.id}?msg=公示已发布", status_code=303)
    return _officer(request, user, db, redraw=Redraw(errors, form), chosen=ids)


@router.post("/officer/notices/{batch_id}/close", summary="公示期满，结束公示")
def close(request: Request, user: CityOfficerUser, db: PageDb, batch_id: int) -> Response:
    try:
        notices.close_batch(db, user.principal, batch_id)
    except ApiError as exc:
        return redirect(request, f"/notices/{batch_id}?msg={exc.errors[0]['message']}", 303)
    return redirect(request, f"/notices/{batch_id}?msg=公示已结束，无异议的申报可安排拨付", 303)
