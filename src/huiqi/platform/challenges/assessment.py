"""考核认定 of a 揭榜挂帅 project, and the 3.6.1 claim a passed assessment files.

Measure 3.6.1 reads a `scenario_challenge` project (total investment, assessment passed, the
assessment date). On the board these facts are the officer's 考核认定, not the firm's typing:
a passed assessment creates the lead unit's project record from the assessment and files the
3.6.1 claim through the applications service (new_application: the case snapshot and the
engine's evaluation frozen as for any submission), in status 待区级初审 with source
"challenge". The claim then goes through the ordinary review, 公示 and payment. Firms cannot
record scenario_challenge projects themselves (enterprises.service refuses them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle as app_lifecycle
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.schemas import ApplicationIn
from huiqi.platform.applications.service import new_application
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges import lifecycle, service
from huiqi.platform.challenges.lifecycle import Action
from huiqi.platform.challenges.models import ChallengeBid
from huiqi.platform.challenges.schemas import AssessIn, snapshot
from huiqi.platform.clock import business_today
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.models import Enterprise, Project
from huiqi.platform.errors import ApiError
from huiqi.platform.policy import programme_setting

MEASURE = programme_setting("challenges", "measure")
PROJECT_KIND = programme_setting("challenges", "project_kind")
CLAIM_SOURCE = "challenge"


def assess(db: Session, p: Principal, bid_id: int, data: AssessIn) -> ChallengeBid:
    bid = service.get_bid(db, p, bid_id, lock=True)
    action = Action.ASSESS_PASS if data.passed else Action.ASSESS_FAIL
    lifecycle.LIFECYCLE.check(p, bid, action)
    today = business_today()
    if data.assessed_on > today:
        raise ApiError(
            422, "date_future", f"考核认定日 {data.assessed_on} 晚于今天 {today}，不能预先认定",
            "assessed_on",
        )  # fmt: skip
    if bid.agreement_signed_on is not None and data.assessed_on < bid.agreement_signed_on:
        raise ApiError(
            422, "before_agreement",
            f"考核认定日 {data.assessed_on} 早于协议签订日 {bid.agreement_signed_on}",
            "assessed_on",
        )  # fmt: skip
    report = data.report.strip()
    if not report:
        raise ApiError(422, "required", "请填写考核报告", "report")
    changes: dict[str, Any] = {
        "assessment_passed": data.passed,
        "assessment_date": data.assessed_on,
        "assessment_report": report,
        "assessed_investment_fen": data.total_investment_fen,
    }
    if not data.passed:
        lifecycle.LIFECYCLE.move(db, bid, p, action, **changes)
        db.commit()
        return bid
    before = snapshot(bid)
    for key, value in changes.items():
        setattr(bid, key, value)
    app = file_claim(db, p, bid)
    lifecycle.LIFECYCLE.move(
        db, bid, p, action, before=before, project_id=app.project_id, application_id=app.id
    )
    db.commit()
    return bid


def file_claim(db: Session, p: Principal, bid: ChallengeBid) -> Application:
    """The lead unit's 3.6.1 claim from the assessment just recorded on `bid` (not committed)."""
    assert bid.assessment_date is not None and bid.assessed_investment_fen is not None
    ent = db.get(Enterprise, bid.lead_enterprise_id)
    if ent is None:
        raise ApiError(404, "not_found", "牵头单位的企业档案不存在", "lead_enterprise_id")
    task = service.get_task(db, bid.task_id)
    fields = {
        "total_investment_fen": bid.assessed_investment_fen,
        "assessment_passed": True,
        "assessment_date": bid.assessment_date.isoformat(),
    }
    proj = Project(
        enterprise_id=ent.id, name=f"揭榜挂帅：{task.title}", kind=PROJECT_KIND, fields=fields
    )
    db.add(proj)
    db.flush()
    record(
        db, p, "enterprise.project", "project", proj.id, None,
        {"name": proj.name, "kind": PROJECT_KIND, "fields": fields, "challenge_bid": bid.id},
    )  # fmt: skip
    data = ApplicationIn(
        enterprise_id=ent.id,
        measure_id=MEASURE,
        fiscal_year=bid.assessment_date.year,
        project_id=proj.id,
        statement=f"揭榜挂帅榜单“{task.title}”经考核认定实施成功（揭榜编号 {bid.id}）",
    )
    app = new_application(db, p, ent, data, status="draft", source=CLAIM_SOURCE, key=None)
    app.first_submitted_at = app.submitted_at = utcnow()
    db.add(app)
    app_lifecycle.LIFECYCLE.move(db, app, p, app_lifecycle.Action.BOARD_CLAIM, new=True)
    return app
