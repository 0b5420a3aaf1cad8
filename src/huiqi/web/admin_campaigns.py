"""免申即享 for administrators: start a campaign (queued as a background job), watch its progress,
cancel it, read its results (firms screened, candidates pushed, each firm's answer).

The same service and job queue as `POST /api/v1/campaigns` and `/api/v1/jobs`, so the same
rules: computed measures only, one campaign per measure and year (a second one is refused
beside the field), progress and cancellation from any web worker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.campaigns import service as campaigns
from huiqi.platform.campaigns.models import Campaign
from huiqi.platform.clock import business_today
from huiqi.platform.errors import ApiError
from huiqi.platform.jobs import service as jobs
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.schemas import job_out
from huiqi.web.common import form_dict
from huiqi.web.deps import AdminUser, PageDb
from huiqi.web.forms import read_form
from huiqi.web.paging import limit_of, pager
from huiqi.web.render import Redraw, field_errors, html_error, page, policy, redirect

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
    db: PageDb,
    *,
    redraw: Redraw | None = None,
) -> Response:
    rows = [campaign_row(c, job) for c, job in campaigns.recent(db)]
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
        redraw=redraw,
    )


@router.get("", summary="免申即享批次")
def campaign_list(request: Request, me: AdminUser, db: PageDb) -> Response:
    return list_page(request, db)


@router.post("", summary="发起免申即享")
async def campaign_start(request: Request, me: AdminUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    body, errors = read_form(campaigns.CampaignIn, form)
    if body is not None:
        try:
            camp = campaigns.start(db, me.principal, body)
        except ApiError as exc:
            db.rollback()
            errors = field_errors(exc)
        else:
            return redirect(request, f"/admin/campaigns/{camp.id}")
    return list_page(request, db, redraw=Redraw(errors, form))


@router.get("/{campaign_id}", summary="免申即享进度与结果")
def campaign_detail(
    request: Request,
    me: AdminUser,
    db: PageDb,
    campaign_id: int,
    cursor: str = "",
    limit: str = "",
) -> Response:
    camp, job = campaigns.campaign_and_job(db, campaign_id)
    row = campaign_row(camp, job)
    found = campaigns.pushes_page(
        db, me.principal, camp.id, cursor=cursor or None, limit=limit_of(limit)
    )
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
def campaign_cancel(request: Request, me: AdminUser, db: PageDb, campaign_id: int) -> Response:
    camp, _job = campaigns.campaign_and_job(db, campaign_id)
    if camp.job_id is None:
        return html_error(request, 404, "免申即享批次不存在")
    try:
        job = jobs.request_cancel(db, me.principal, camp.job_id)
    except ApiError as exc:
        db.rollback()
        msg = exc.errors[0]["message"]
        return redirect(request, f"/admin/campaigns/{campaign_id}?msg={msg}")
    msg = job_out(job).message or "已请求取消"
    return redirect(request, f"/admin/campaigns/{campaign_id}?msg={msg}")
