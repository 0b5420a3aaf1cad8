"""Expert / third-party review.

The city officer assigns one or more experts to an application in the expert step; each expert
sees only what it was assigned (the application's frozen material, not the firm's profile or
other applications), declares it has no conflict of interest (or recuses itself, 回避), and gives
an opinion, a score and a recommended amount within the measure's cap. The city officer then
closes the step (reviews.service.expert_review) and decides with the opinions in view.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.access import get_visible_app
from huiqi.platform.applications.lifecycle import Action, Status
from huiqi.platform.applications.models import Application
from huiqi.platform.audit.service import record
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.credit.service import get_parameter
from huiqi.platform.db import utcnow
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.experts.models import ExpertAssignment
from huiqi.platform.experts.schemas import AssignmentOut, OpinionIn
from huiqi.platform.policy import cap_fen, measure
from huiqi.rules.errors import InputError
from huiqi.rules.money import format_yuan, parse_amount

OPINION_ZH = {"agree": "同意", "disagree": "不同意", "amend": "修改金额建议"}
# Assignments through which an expert may still read the claim.
LIVE = ("assigned", "submitted")


def needs_expert(db: Session, measure_id: str) -> bool:
    """The platform setting: does this measure always go through the expert step?"""
    return measure_id in (get_parameter(db, "review.expert_measures") or [])


def experts(db: Session) -> list[User]:
    q = select(User).where(User.role == "expert", User.active.is_(True)).order_by(User.id)
    return list(db.scalars(q))


def out(db: Session, a: ExpertAssignment) -> AssignmentOut:
    user = db.get(User, a.expert_id)
    res = AssignmentOut.model_validate(a)
    res.expert_name = user.display_name if user else ""
    return res


def for_application(db: Session, app: Application) -> list[ExpertAssignment]:
    """Assignments of the application's current version (earlier versions were cancelled)."""
    q = (
        select(ExpertAssignment)
        .where(
            ExpertAssignment.application_id == app.id,
            ExpertAssignment.version == app.version,
        )
        .order_by(ExpertAssignment.id)
    )
    return list(db.scalars(q))


def assign(db: Session, p: Principal, app_id: int, expert_ids: list[int]) -> list[ExpertAssignment]:
    app = get_visible_app(db, p, app_id, lock=True)
    # Any application past the city re-check may be sent to experts, not only the listed
    # measures; inviting more experts while the step is open is not a status change.
    if app.status == Status.EXPERT_REVIEW:
        lifecycle.LIFECYCLE.check(p, app, Action.EXPERT_PASS)  # same actors: the bureau, an admin
    else:
        lifecycle.LIFECYCLE.move(db, app, p, Action.SEND_TO_EXPERT)
    taken = {a.expert_id for a in for_application(db, app)}
    new = []
    for uid in dict.fromkeys(expert_ids):
        user = db.get(User, uid)
        if user is None or user.role != "expert" or not user.active:
            raise ApiError(
                422, "not_expert", f"用户 {uid} 不是在册的专家或第三方机构", "expert_ids"
            )
        if uid in taken:
            raise ApiError(
                409, "already_assigned", f"{user.display_name} 已受邀评审该申报", "expert_ids"
            )
        a = ExpertAssignment(
            application_id=app.id,
            version=app.version,
            expert_id=uid,
            assigned_by=p.username,
            status="assigned",
            conflict_declared=False,
            comment="",
        )
        db.add(a)
        new.append(a)
    db.flush()
    record(
        db,
        p,
        "review.expert.assign",
        "application",
        app.id,
        None,
        {"version": app.version, "experts": [out(db, a).model_dump(mode="json") for a in new]},
    )
    db.commit()
    return new


def mine(db: Session, p: Principal) -> list[tuple[ExpertAssignment, Application]]:
    q = (
        select(ExpertAssignment, Application)
        .join(Application, Application.id == ExpertAssignment.application_id)
        .where(ExpertAssignment.expert_id == p.user_id)
        .order_by(ExpertAssignment.id.desc())
    )
    return [(a, app) for a, app in db.execute(q)]


def assignment_of(
    db: Session, p: Principal, app_id: int, *, lock: bool = False
) -> tuple[ExpertAssignment, Application]:
    """The expert's live assignment on this application: one assignment of the application's
    current version, not recused or cancelled. Anything else is a 404 (no leak): recusing, or
    the firm filing a new version, ends the expert's access at once."""
    if p.role != "expert":
        raise forbidden("只有受邀的专家或第三方机构可以查看和提交评审意见")
    app = db.get(Application, app_id)
    q = (
        select(ExpertAssignment)
        .where(
            ExpertAssignment.application_id == app_id,
            ExpertAssignment.expert_id == p.user_id,
            ExpertAssignment.version == (app.version if app is not None else -1),
            ExpertAssignment.status.in_(LIVE),
        )
        .order_by(ExpertAssignment.id.desc())
    )
    if lock:
        q = q.with_for_update()
    a = db.scalars(q).first()
    if a is None or app is None:
        raise not_found("评审任务", "application_id")
    return a, app


# What of the firm an expert may read: who it is, not how to reach or rate it otherwise.
_ENTERPRISE_FIELDS = ("name", "district", "industry", "size", "software_enterprise")


def material(app: Application) -> dict[str, Any]:
    """The part of the frozen snapshot this application rests on.

    The snapshot is a copy of the whole 一企一档 (every recognition and project, other awards,
    credit flags). An expert judges this claim only, so it gets the firm's identity, the
    figures of the fiscal year and the one before (growth), and only the recognitions or the
    project the measure reads; credit and earlier awards stay with the officers.
    """
    facts = app.facts or {}
    source = measure(app.measure_id).source
    years = {str(app.fiscal_year), str(app.fiscal_year - 1)}
    ent = facts.get("enterprise") or {}
    out: dict[str, Any] = {
        "as_of": facts.get("as_of"),
        "fiscal_year": facts.get("fiscal_year"),
        "enterprise": {k: ent[k] for k in _ENTERPRISE_FIELDS if k in ent},
        "annual": {y: v for y, v in (facts.get("annual") or {}).items() if y in years},
    }
    if source.type == "recognition":
        out["recognitions"] = [
            r for r in facts.get("recognitions") or [] if r.get("kind") in source.kinds
        ]
    if source.type == "project" and app.project_id is not None:
        out["projects"] = [
            p for p in facts.get("projects") or [] if str(p.get("id")) == str(app.project_id)
        ]
    return out


def ceiling(app: Application) -> int | None:
    """Recommended amounts stay within what the decision could award."""
    spec = measure(app.measure_id)
    if spec.kind == "computed":
        return app.engine_amount_fen
    return cap_fen(spec.id, app.fiscal_year)


def _amount(body: OpinionIn) -> int | None:
    if body.recommended_amount is not None and body.recommended_amount.strip():
        if body.recommended_amount_fen is not None:
            raise ApiError(
                422,
                "one_of",
                "建议金额请只填一种写法（recommended_amount 或 recommended_amount_fen）",
                "recommended_amount",
            )
        try:
            return parse_amount(body.recommended_amount.strip(), "recommended_amount")
        except InputError as exc:
            e = exc.errors[0]
            raise ApiError(422, e.rule, e.message, "recommended_amount") from None
    return body.recommended_amount_fen


def _open(a: ExpertAssignment, app: Application) -> None:
    if a.status != "assigned" or a.version != app.version:
        done = {"submitted": "已提交意见", "recused": "已声明回避", "cancelled": "已取消"}
        raise ApiError(
            409,
            "assignment_closed",
            f"该评审任务{done.get(a.status, '已结束')}，不能再提交",
            "application_id",
        )
    if app.status != Status.EXPERT_REVIEW:
        raise ApiError(
            409, "wrong_status", "该申报已不在专家评审阶段，不能再提交意见", "application_id"
        )


def submit_opinion(db: Session, p: Principal, app_id: int, body: OpinionIn) -> ExpertAssignment:
    a, app = assignment_of(db, p, app_id, lock=True)
    _open(a, app)
    if not body.conflict_declared:
        raise ApiError(
            422,
            "conflict_declaration",
            "提交意见前须勾选回避声明（与申报单位不存在利害关系）；存在利害关系的请申请回避",
            "conflict_declared",
        )
    amount = _amount(body)
    if body.opinion == "disagree":
        if amount:
            raise ApiError(422, "no_amount", "不同意支持时不填写建议金额", "recommended_amount_fen")
        amount = None
    else:
        if amount is None:
            amount = app.requested_amount_fen if body.opinion == "agree" else None
        if amount is None:
            raise ApiError(422, "required", "请填写建议金额", "recommended_amount_fen")
        if amount <= 0:
            raise ApiError(
                422, "positive", "建议金额须大于 0；不支持请选择“不同意”", "recommended_amount_fen"
            )
        cap = ceiling(app)
        if cap is not None and amount > cap:
            raise ApiError(
                422,
                "over_cap",
                f"建议金额不能超过该措施上限 {format_yuan(cap)}",
                "recommended_amount_fen",
            )
    before = out(db, a).model_dump(mode="json")
    a.conflict_declared = True
    a.opinion = body.opinion
    a.score = body.score
    a.recommended_amount_fen = amount
    a.comment = body.comment
    a.status = "submitted"
    _close(db, p, a, app, "review.expert.opinion", before)
    return a


def recuse(db: Session, p: Principal, app_id: int, reason: str) -> ExpertAssignment:
    a, app = assignment_of(db, p, app_id, lock=True)
    _open(a, app)
    before = out(db, a).model_dump(mode="json")
    a.status = "recused"
    a.comment = reason.strip()
    _close(db, p, a, app, "review.expert.recuse", before)
    return a


def _close(
    db: Session,
    p: Principal,
    a: ExpertAssignment,
    app: Application,
    action: str,
    before: dict[str, Any],
) -> None:
    """The expert's answer (opinion or 回避) is in: stamp it, audit before/after, commit."""
    a.submitted_at = utcnow()
    db.flush()
    record(db, p, action, "application", app.id, before, out(db, a).model_dump(mode="json"))
    db.commit()


def cancel_open(db: Session, app: Application) -> None:
    """Returned or withdrawn: open invitations end (an amended version is reviewed afresh)."""
    for a in for_application(db, app):
        if a.status == "assigned":
            a.status = "cancelled"
    db.flush()
