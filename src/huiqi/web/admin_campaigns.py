"""免申即享 for administrators: start a campaign (queued as a background job), watch its progress,
cancel it, read its results (firms screened, candidates pushed, each firm's answer).

The same service and job queue as `POST /api/v1/campaigns` and `/api/v1/jobs`, so the same
rules: computed measures only, one campaign per measure and year (a second one is refused
beside the field), progress and cancellation from any web worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select

from huiqi.platform.campaigns import service as campaigns
from huiqi.platform.campaigns.models import Campaign
from huiqi.platform.clock import business_today
from huiqi.platform.errors import ApiError, validation_errors
from huiqi.platform.jobs import service as jobs
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.schemas import job_out
from huiqi.web.common import form_dict, open_db
from huiqi.web.paging import limit_of, pager
from huiqi.web.render import html_error, page, policy, redirect
from huiqi.web.session import field_errors, need

router = APIRouter(prefix="/admin/campaigns")
PUSH_ZH = {"pending": "待企业确认", "confirmed": "企业已确认", "declined": "企业已放弃"}
RUNNING = ("queued", "running")


def computed_measures() -> list[tuple[str, str]]:
    from huiqi.platform.vouchers.issuing import MEASURE as VOUCHER_MEASURE

    # 3.2.1 is paid through vouchers the firms take, never offered in a campaign
    return [
        (m.id, f"{m.id} {m.title}")
        for m in policy().measures.values()
        if m.kind == "computed" and m.id != VOUCHER_MEASURE
    ]


def campaign_row(camp: Campaign, job: Job | None) -> dict[str, Any]:
    out = campaigns.campaign_out(camp, job).model_dump(mode="json")
    status = job.status if job is not None else camp.status
    out["state"] = status
    out["percent"] = out["job"]["percent"] if out.get("job") else (100 if status == "done" else 0)
    out["message"] = out["job"]["message"] if out.get("job") else ""
    out["state_label"] = out["job"]["status_label"] if out.get("job") else status
    return out


def list_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    need(request, "admin")
    with open_db(request) as db:
        camps = list(db.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(200)))
        job_ids = [c.job_id for c in camps if c.job_id]
        found = {j.id: j for j in db.scalars(select(Job).where(Job.id.in_(job_ids)))}
        rows = [campaign_row(c, found.get(c.job_id or 0)) for c in camps]
    data = {
        "campaigns": rows,
        "measures": computed_measures(),
        "default_year": business_today().year - 1,
    }
    return page(
        request,
        "adm_campaigns.html",
        data,
        title="免申即享",
        errors=errors,
        form=form,
        status=status,
    )


@router.get("", summary="免申即享批次")
def campaign_list(request: Request) -> Response:
    return list_page(request)


@router.post("", summary="发起免申即享")
async def campaign_start(request: Request) -> Response:
    me = need(request, "admin")
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    try:
        as_of = dt.date.fromisoformat(form["as_of"]) if form.get("as_of") else None
    except ValueError:
        errors["as_of"] = "应为日期（YYYY-MM-DD）"
        as_of = None
    if not errors:
        with open_db(request) as db:
            try:
                body = campaigns.CampaignIn(
                    measure_id=form.get("measure_id", ""),
                    fiscal_year=form.get("fiscal_year", ""),
                    title=form.get("title", "").strip(),
                    as_of=as_of,
                )
                camp = campaigns.start(db, me.principal, body)
            except ValidationError as exc:
                db.rollback()
                errors = {
                    e["path"] or "_form": e["message"]
                    for e in validation_errors(RequestValidationError(exc.errors()))
                }
            except ApiError as exc:
                db.rollback()
                errors = field_errors(exc)
            else:
                return redirect(request, f"/admin/campaigns/{camp.id}")
    return list_page(request, errors=errors, form=form, status=422)


@router.get("/{campaign_id}", summary="免申即享进度与结果")
def campaign_detail(
    request: Request, campaign_id: int, cursor: str = "", limit: str = ""
) -> Response:
    user = need(request, "admin")
    with open_db(request) as db:
        camp = db.get(Campaign, campaign_id) if 0 < campaign_id < 2**31 else None
        if camp is None:
            return html_error(request, 404, "免申即享批次不存在")
        job = db.get(Job, camp.job_id) if camp.job_id else None
        row = campaign_row(camp, job)
        try:
            found = campaigns.pushes_page(
                db, user.principal, camp.id, cursor=cursor or None, limit=limit_of(limit)
            )
        except ApiError as exc:
            return html_error(request, exc.status, exc.errors[0]["message"])
    results = [
        {
            "enterprise": r.enterprise_name,
            "application_id": r.push.application_id,
            "amount_fen": r.application.engine_amount_fen,
            "response": r.push.response,
            "response_label": PUSH_ZH.get(r.push.response, r.push.response),
        }
        for r in found.items
    ]
    data = {
        "campaign": row,
        "job": row,  # what the page's progress poller reads: state, percent, message
        "cancellable": row["state"] in RUNNING,
        "results": results,
        "pages": pager(request, found),
        "next_cursor": found.next_cursor,
        "measure_title": policy().measures[camp.measure_id].title,
    }
    return page(request, "adm_campaign.html", data, title=f"免申即享 第 {camp.id} 号")


@router.post("/{campaign_id}/cancel", summary="取消免申即享")
def campaign_cancel(request: Request, campaign_id: int) -> Response:
    me = need(request, "admin")
    with open_db(request) as db:
        camp = db.get(Campaign, campaign_id) if 0 < campaign_id < 2**31 else None
        if camp is None or camp.job_id is None:
            return html_error(request, 404, "免申即享批次不存在")
        try:
            job = jobs.request_cancel(db, me.principal, camp.job_id)
        except ApiError as exc:
            db.rollback()
            msg = exc.errors[0]["message"]
            return redirect(request, f"/admin/campaigns/{campaign_id}?msg={msg}")
    msg = job_out(job).message or "已请求取消"
    return redirect(request, f"/admin/campaigns/{campaign_id}?msg={msg}")
