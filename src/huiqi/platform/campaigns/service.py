"""免申即享: the government screens its own registry, creates candidate applications for the
eligible firms and pushes them; a firm only confirms (the application then enters review with
the facts frozen at screening time) or declines.

Screening runs the whole registry through the bulk engine (huiqi.screening, columnar); each
candidate's snapshot is then its own case JSON and single-case evaluation, so its amount is
exactly what the firm would have been computed on applying.
"""

from __future__ import annotations

import datetime as dt
import logging

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.service import measures_of_units, snapshot
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.campaigns.screening import screen
from huiqi.platform.clock import business_today
from huiqi.platform.credit.service import check as credit_check
from huiqi.platform.db import utcnow
from huiqi.platform.engine import build_case, case_as_of, evaluate_measure
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.policy import get_policy, measure

log = logging.getLogger("huiqi.platform")


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure_id: str = Field(min_length=1, max_length=32, description="计算类措施，如 2.6.3")
    fiscal_year: int = Field(ge=2000, le=2100)
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


def run(db: Session, p: Principal, data: CampaignIn) -> Campaign:
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
    pol = get_policy()
    camp = Campaign(
        measure_id=spec.id, fiscal_year=data.fiscal_year, title=data.title, created_by=p.username
    )
    db.add(camp)
    db.flush()
    taken: set[tuple[int, int]] = set()
    # a firm's own unsent draft does not stop the push: the campaign takes it over, as a
    # submission does (the draft was only a preview; the candidate is frozen now)
    drafts: dict[tuple[int, int], Application] = {}
    for existing in db.scalars(
        select(Application).where(
            Application.measure_id == spec.id, Application.fiscal_year == data.fiscal_year
        )
    ):
        key = (existing.enterprise_id, existing.project_key)
        if existing.status == "draft":
            drafts[key] = existing
        else:
            taken.add(key)
    day = case_as_of(data.fiscal_year, data.as_of)
    screened, candidates = screen(db, pol, spec.id, data.fiscal_year, day)
    for cand in candidates:
        if (cand.enterprise_id, cand.project_id or 0) in taken:
            continue
        ent = db.get(Enterprise, cand.enterprise_id)
        assert ent is not None
        if credit_check(db, ent).blocked:
            continue
        # The snapshot is the firm's case JSON and the single-case evaluation of it: the same
        # record an application made by the firm itself would carry.
        case = build_case(db, ent, data.fiscal_year, day)
        out = evaluate_measure(case, spec.id, cand.project_id)
        if out.status != "eligible" or out.amount_fen != cand.amount_fen:
            log.warning("bulk/single mismatch for firm %s measure %s", ent.id, spec.id)
            continue
        fields = dict(
            enterprise_id=ent.id, measure_id=spec.id, fiscal_year=data.fiscal_year,
            project_id=cand.project_id, project_key=cand.project_id or 0,
            source="campaign", policy_id=pol.id, policy_version=pol.version, facts=case,
            evaluation=out.evaluation, engine_status="eligible", engine_amount_fen=out.amount_fen,
            created_by=p.username, district=ent.district,
        )  # fmt: skip
        draft = drafts.get((cand.enterprise_id, cand.project_id or 0))
        before = snapshot(draft) if draft is not None else None
        if draft is None:
            app = Application(**fields)
            db.add(app)
        else:
            app = draft
            for name, value in fields.items():
                setattr(app, name, value)
        lifecycle.move(db, app, p, Action.OFFER, new=draft is None, before=before)
        db.add(CampaignPush(campaign_id=camp.id, enterprise_id=ent.id, application_id=app.id))
        camp.candidates += 1
    camp.screened = screened
    db.flush()
    record(
        db,
        p,
        "campaign.run",
        "campaign",
        camp.id,
        None,
        CampaignOut.model_validate(camp).model_dump(mode="json"),
    )
    db.commit()
    return camp


def pushes_for(db: Session, p: Principal, campaign_id: int | None = None) -> list[CampaignPush]:
    q = select(CampaignPush).order_by(CampaignPush.id)
    if campaign_id is not None:
        q = q.where(CampaignPush.campaign_id == campaign_id)
    if p.role == "enterprise":
        q = q.where(CampaignPush.enterprise_id == (p.enterprise_id or -1))
    elif p.role == "city_officer":
        q = q.join(Campaign, Campaign.id == CampaignPush.campaign_id).where(
            Campaign.measure_id.in_(measures_of_units(p.units))
        )
    elif p.role != "admin":
        raise forbidden()
    return list(db.scalars(q.limit(1000)))


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
        lifecycle.move(db, app, p, Action.CONFIRM, submitted_at=now,
                       first_submitted_at=app.first_submitted_at or now,
                       application_date=business_today())  # fmt: skip
    else:
        # declining binds nothing: the firm may still apply itself in an open round
        lifecycle.move(db, app, p, Action.DECLINE)
    db.commit()
    return push
