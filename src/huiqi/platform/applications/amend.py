"""Withdraw (撤回), return for correction (退回补正) and amend, before the city decision.

A decision commits budget and goes to 公示, so from then on the application is the
government's act: the firm can no longer withdraw or change it (an objection during 公示 is the
way back). Before that the firm may withdraw with a reason, and an officer may return it with
the list of things to fix; the firm's amendment freezes a new snapshot from its current
一企一档 with a fresh engine evaluation as version n+1, archives version n unchanged, and sends
the application back to district first review.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle, service
from huiqi.platform.applications.lifecycle import DECIDED, STATUS_ZH, Action
from huiqi.platform.applications.models import Application, ApplicationVersion, snapshot_of
from huiqi.platform.applications.schemas import AmendIn, ApplicationIn, VersionDetail
from huiqi.platform.auth.service import Principal
from huiqi.platform.credit.service import ensure_not_blocked
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.experts.service import cancel_open
from huiqi.platform.reviews.models import ReviewStep

if TYPE_CHECKING:  # materials imports the applications package; the call imports it late
    from huiqi.platform.materials.service import Submission


def _refuse(app: Application, what: str) -> ApiError:
    status = STATUS_ZH.get(app.status, app.status)
    if app.status in DECIDED:
        return ApiError(
            409,
            "after_decision",
            f"申报已作出决定（当前状态“{status}”）：按规定，决定后不得{what}申报；"
            "如有异议请在公示期内提出",
            "status",
        )
    if app.status == "draft":
        return ApiError(409, "not_submitted", f"草稿尚未提交，无需{what}，可直接删除", "status")
    return ApiError(409, "wrong_status", f"申报当前状态为“{status}”，不能{what}", "status")


def _firm_only(p: Principal, what: str) -> None:
    if p.role != "enterprise":
        raise forbidden(f"只有申报企业本身可以{what}申报")


def _step(app: Application, p: Principal, stage: str, outcome: str, text: str, **d: Any) -> Any:
    return ReviewStep(
        application_id=app.id, stage=stage, outcome=outcome, opinion=text, reviewer=p.username,
        details=d,
    )  # fmt: skip


def withdraw(db: Session, p: Principal, app_id: int, reason: str) -> Application:
    _firm_only(p, "撤回")
    app = service.get_visible_app(db, p, app_id, lock=True)  # another firm's id: 404
    if lifecycle.LIFECYCLE.find(app.status, Action.WITHDRAW) is None:
        raise _refuse(app, "撤回")
    lifecycle.LIFECYCLE.check(p, app, Action.WITHDRAW)
    if not reason.strip():
        raise ApiError(422, "required", "撤回申报须说明理由", "reason")
    cancel_open(db, app)
    db.add(_step(app, p, "withdraw", "withdraw", reason.strip(), version=app.version))
    # No budget to release: nothing is committed before the decision.
    lifecycle.LIFECYCLE.move(db, app, p, Action.WITHDRAW)
    db.commit()
    return app


def return_for_correction(
    db: Session, p: Principal, app_id: int, reason: str, requested_documents: Sequence[str] = ()
) -> Application:
    if p.role not in ("district_officer", "city_officer", "admin"):
        raise forbidden("只有审核员可以退回补正")
    app = service.get_visible_app(db, p, app_id, lock=True)  # outside the officer's scope: 404
    if lifecycle.LIFECYCLE.find(app.status, Action.RETURN) is None:
        raise _refuse(app, "退回")
    if app.status == "submitted" and p.role == "city_officer":
        raise forbidden("待区级初审的申报由企业所在区的审核员退回")
    lifecycle.LIFECYCLE.check(p, app, Action.RETURN)
    if not reason.strip():
        raise ApiError(422, "required", "退回补正须写明需要补正的内容", "reason")
    cancel_open(db, app)
    db.add(_step(app, p, "return", "return", reason.strip(), version=app.version))
    from huiqi.platform.materials.service import request_documents

    request_documents(db, p, app, requested_documents)  # the correction must bring these
    lifecycle.LIFECYCLE.move(db, app, p, Action.RETURN)
    db.commit()
    return app


def amend(
    db: Session, p: Principal, app_id: int, body: AmendIn, materials: Submission | None = None
) -> Application:
    _firm_only(p, "修改")
    app = service.get_visible_app(db, p, app_id, lock=True)
    if lifecycle.LIFECYCLE.find(app.status, Action.AMEND) is None:
        if app.status in DECIDED or app.status == "draft":
            raise _refuse(app, "修改")
        raise ApiError(
            409,
            "not_returned",
            f"只有被退回补正的申报可以修改（当前状态“{STATUS_ZH.get(app.status, app.status)}”）",
            "status",
        )
    lifecycle.LIFECYCLE.check(p, app, Action.AMEND)
    ent = db.get(Enterprise, app.enterprise_id)
    assert ent is not None
    ensure_not_blocked(db, ent)
    data = ApplicationIn(
        enterprise_id=app.enterprise_id,
        measure_id=app.measure_id,
        fiscal_year=app.fiscal_year,
        project_id=app.project_id,
        requested_amount_fen=body.requested_amount_fen or app.requested_amount_fen,
        statement=app.statement if body.statement is None else body.statement,
    )
    # Same freezing and validation as a submission (project, amount within the cap).
    fresh = service.new_application(
        db, p, ent, data, status="submitted", source=app.source, key=None
    )
    before = service.snapshot(app)
    service.archive(db, app, key=None)
    # The idempotency key and the creator stay: a retry of the first submission still finds
    # this one application.
    for field in service.FROZEN:
        if field not in ("idempotency_key", "created_by"):
            setattr(app, field, getattr(fresh, field))
    app.version += 1
    app.submitted_at = utcnow()
    db.add(_step(app, p, "amend", "resubmit", data.statement, version=app.version))
    lifecycle.LIFECYCLE.move(db, app, p, Action.AMEND, before=before)
    from huiqi.platform.materials.service import before_amend

    before_amend(db, p, app, materials)  # the firm's answer may be new documents
    db.commit()
    return app


def _version_dict(v: Any, current: bool) -> dict[str, Any]:
    return {
        "version": v.version,
        "current": current,
        **snapshot_of(v),
        "requested_amount_fen": v.requested_amount_fen,
        "statement": v.statement,
        "submitted_at": v.submitted_at,
    }


def versions(db: Session, p: Principal, app_id: int) -> list[VersionDetail]:
    """Every frozen snapshot of the application, oldest first; the last is the current one."""
    app = service.get_visible_app(db, p, app_id)
    old = db.scalars(
        select(ApplicationVersion)
        .where(ApplicationVersion.application_id == app.id)
        .order_by(ApplicationVersion.version)
    )
    rows = [_version_dict(v, False) for v in old] + [_version_dict(app, True)]
    return [VersionDetail.model_validate(r) for r in rows]


def version(db: Session, p: Principal, app_id: int, number: int) -> VersionDetail:
    for v in versions(db, p, app_id):
        if v.version == number:
            return v
    raise not_found(f"申报 {app_id} 的第 {number} 版", "version")
