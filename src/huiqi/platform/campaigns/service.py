"""免申即享: the government screens its own registry, creates candidate applications for the
eligible firms and pushes them; a firm only confirms (the application then enters review with
the facts frozen at screening time) or declines.

A campaign runs as a background job (huiqi.platform.jobs; the work is in campaigns/jobs.py):
the whole registry goes through the bulk engine (huiqi.screening, columnar); each candidate's
snapshot is its own case JSON and the evaluation of that case, so its amount is exactly what
the firm would have been computed on applying.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.service import measures_of_units
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.clock import business_today
from huiqi.platform.credit.service import check as credit_check
from huiqi.platform.db import utcnow
from huiqi.platform.engine import case_as_of
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.enterprises.schemas import Year
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.jobs import service as jobs
from huiqi.platform.jobs.models import STATUS_ZH, Job
from huiqi.platform.jobs.schemas import JobOut, job_out
from huiqi.platform.pagination import Page, keyset_page
from huiqi.platform.policy import measure


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure_id: str = Field(min_length=1, max_length=32, description="计算类措施，如 2.6.3")
    fiscal_year: Year
    title: str = Field(min_length=1, max_length=200)
    as_of: dt.date | None = Field(
        default=None, description="筛查基准日，默认今天（限于政策有效期内）"
    )


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    measure_id: str
    fiscal_year: int
    title: str
    screened: int
    candidates: int
    created_by: str
    created_at: dt.datetime
    status: str = Field(description="queued | running | done | failed | cancelled（随其后台任务）")
    job_id: int | None
    error: str | None
    job: JobOut | None = Field(default=None, description="后台任务的进度（GET /jobs/{job_id}）")


class PushOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    campaign_id: int
    enterprise_id: int
    application_id: int
    channel: str
    pushed_at: dt.datetime
    response: str
    responded_at: dt.datetime | None


def start(db: Session, p: Principal, data: CampaignIn) -> Campaign:
    """Record the campaign and queue its job; a job worker screens and pushes (campaigns/jobs.py).

    One campaign per measure and year: a second one while the first is queued, running or
    done is a 409 naming it (the unique `active_key` makes this hold between web workers).
    """
    spec = measure(data.measure_id)
    if p.role != "admin" and (
        p.role != "city_officer" or spec.id not in measures_of_units(p.units)
    ):
        raise forbidden("只有该措施责任单位的市级审核员可以发起免申即享")
    if spec.kind != "computed":
        raise ApiError(
            422,
            "not_computed",
            "免申即享只适用于按公式计算的措施（择优类须企业申报）",
            "measure_id",
        )
    from huiqi.platform.vouchers.issuing import MEASURE as VOUCHER_MEASURE

    if spec.id == VOUCHER_MEASURE:
        raise ApiError(
            422,
            "voucher_measure",
            "该措施以小微企业服务券兑现（企业领券、服务商兑付），不适用免申即享",
            "measure_id",
        )
    key = f"{spec.id}:{data.fiscal_year}"
    existing = db.scalar(select(Campaign).where(Campaign.active_key == key))
    if existing is not None:
        raise _duplicate(existing)
    day = case_as_of(data.fiscal_year, data.as_of)
    camp = Campaign(
        measure_id=spec.id,
        fiscal_year=data.fiscal_year,
        title=data.title,
        created_by=p.username,
        status="queued",
        active_key=key,
        screened=0,
        candidates=0,
    )
    db.add(camp)
    try:
        db.flush()
    except IntegrityError:  # the same campaign was started by a concurrent request
        db.rollback()
        other = db.scalar(select(Campaign).where(Campaign.active_key == key))
        raise _duplicate(other) from None
    job = jobs.enqueue(
        db,
        p,
        "campaign",
        f"免申即享 {spec.id}（{data.fiscal_year} 年度）：{data.title}",
        {"campaign_id": camp.id, "as_of": day.isoformat()},
        max_attempts=3,
    )
    camp.job_id = job.id
    record(
        db,
        p,
        "campaign.start",
        "campaign",
        camp.id,
        None,
        campaign_out(camp).model_dump(mode="json"),
    )
    db.commit()
    return camp


def _duplicate(existing: Campaign | None) -> ApiError:
    what = ""
    if existing is not None:
        state = STATUS_ZH.get(existing.status, existing.status)
        what = f"（第 {existing.id} 号“{existing.title}”，{state}）"
    return ApiError(
        409,
        "campaign_exists",
        f"该措施该年度已有免申即享批次{what}；同一措施同一年度只能发起一次（失败或取消的批次除外）",
        "measure_id",
    )


def campaign_out(camp: Campaign, job: Job | None = None) -> CampaignOut:
    out = CampaignOut.model_validate(camp)
    if job is not None:
        out.job = job_out(job)
    return out


def get_visible(db: Session, p: Principal, campaign_id: int) -> Campaign:
    camp = db.get(Campaign, campaign_id)
    if camp is None or (
        p.role == "city_officer" and camp.measure_id not in measures_of_units(p.units)
    ):
        raise not_found("免申即享批次", "campaign_id")
    return camp


if TYPE_CHECKING:
    from huiqi.platform.pagination import AnySelect
_Query = TypeVar("_Query", bound="AnySelect")


def _in_push_scope(q: _Query, p: Principal, campaign_id: int | None) -> _Query:
    """The pushes `p` may see (a firm: its own; a city officer: their measures'; an admin:
    all), optionally of one campaign."""
    if campaign_id is not None:
        q = q.where(CampaignPush.campaign_id == campaign_id)
    if p.role == "enterprise":
        return q.where(CampaignPush.enterprise_id == (p.enterprise_id or -1))
    if p.role == "city_officer":
        return q.join(Campaign, Campaign.id == CampaignPush.campaign_id).where(
            Campaign.measure_id.in_(measures_of_units(p.units))
        )
    if p.role != "admin":
        raise forbidden()
    return q


def respond(db: Session, p: Principal, push_id: int, confirm: bool) -> CampaignPush:
    if p.role != "enterprise":
        raise forbidden("只有企业本身可以确认或放弃免申即享")
    push = db.scalar(select(CampaignPush).where(CampaignPush.id == push_id).with_for_update())
    if push is None or push.enterprise_id != p.enterprise_id:
        raise not_found("推送", "push_id")
    if push.response != "pending":
        raise ApiError(409, "already_responded", "该推送已确认或放弃，不能重复操作", "push_id")
    app = db.scalar(
        select(Application).where(Application.id == push.application_id).with_for_update()
    )
    assert app is not None
    if confirm:
        ent = db.get(Enterprise, app.enterprise_id)
        assert ent is not None
        blocked = credit_check(db, ent)
        if blocked.blocked:
            raise ApiError(422, "credit_blocked", "；".join(blocked.reasons), "enterprise_id")
    push.response = "confirmed" if confirm else "declined"
    push.responded_at = utcnow()
    if confirm:
        now = utcnow()
        lifecycle.LIFECYCLE.move(db, app, p, Action.CONFIRM, submitted_at=now,
                       first_submitted_at=app.first_submitted_at or now,
                       application_date=business_today())  # fmt: skip
    else:
        # declining binds nothing: the firm may still apply itself in an open round
        lifecycle.LIFECYCLE.move(db, app, p, Action.DECLINE)
    db.commit()
    return push


def recent(db: Session, limit: int = 200) -> list[tuple[Campaign, Job | None]]:
    """The latest campaigns, each with its background job (None once the job is purged)."""
    camps = list(db.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit)))
    job_ids = [c.job_id for c in camps if c.job_id]
    found = {j.id: j for j in db.scalars(select(Job).where(Job.id.in_(job_ids)))}
    return [(c, found.get(c.job_id or 0)) for c in camps]


def campaign_and_job(db: Session, campaign_id: int) -> tuple[Campaign, Job | None]:
    """One campaign and its job, for the administrator's pages."""
    camp = db.get(Campaign, campaign_id) if 0 < campaign_id < 2**31 else None
    if camp is None:
        raise ApiError(404, "not_found", "免申即享批次不存在", "campaign_id")
    return camp, db.get(Job, camp.job_id) if camp.job_id else None


@dataclass
class PushRow:
    """A 免申即享 push with what its list shows beside it (one join, not a read per row)."""

    push: CampaignPush
    enterprise_name: str
    application: Application


def pushes_page(
    db: Session, p: Principal, campaign_id: int | None = None, *, cursor: str | None = None,
    limit: int | None = None,
) -> Page[PushRow]:  # fmt: skip
    """Pushes in the person's scope (a firm: its own; a city officer: their measures'), in the
    order they were made, one keyset page at a time (index (campaign_id, id) for a campaign)."""
    q = (
        select(CampaignPush, Enterprise.name, Application)
        .join(Enterprise, Enterprise.id == CampaignPush.enterprise_id)
        .join(Application, Application.id == CampaignPush.application_id)
    )
    q = _in_push_scope(q, p, campaign_id)
    page = keyset_page(
        db, "pushes", q, [CampaignPush.id], lambda r: (r[0].id,), cursor=cursor, limit=limit,
        scalars=False,
    )  # fmt: skip
    return Page(
        items=[PushRow(push, name, app) for push, name, app in page.items],
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        limit=page.limit,
    )
