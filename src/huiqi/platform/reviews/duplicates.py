"""Duplicate funding (重复支持) at the city re-check.

The "already awarded?" re-evaluation matches on the project id, so a paid project copied under
a new name would be funded twice. The re-check therefore also compares the claimed project with
the firm's other projects of the same kind: the same non-zero investment figure in any money
field, or overlapping construction periods, flag it; a matching project that was already
awarded (decided, in 公示 or paid) is flagged as paid for the same investment.

A flagged claim is approved only after one city officer records why it is not a duplicate and
a second officer (another person) confirms that explanation, both on the current version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.service import get_visible_app
from huiqi.platform.applications.statuses import AWARDED
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.enterprises.models import Project
from huiqi.platform.errors import ApiError
from huiqi.platform.reviews.models import ReviewStep

STAGE = "duplicate"


def _money(fields: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in fields.items() if k.endswith("_fen") and isinstance(v, int) and v}


def _period(fields: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    try:
        start = dt.date.fromisoformat(str(fields["construction_start"]))
        end = dt.date.fromisoformat(str(fields["construction_end"]))
    except (KeyError, ValueError):
        return None
    return start, end


def _claimed_project(db: Session, app: Application) -> tuple[str, dict[str, Any]] | None:
    """(kind, fields) of the claimed project, in the profile's units (money in fen)."""
    if app.project_id is None:
        return None
    row = db.get(Project, app.project_id)
    return (row.kind, dict(row.fields or {})) if row is not None else None


def flags(db: Session, app: Application) -> list[dict[str, Any]]:
    """Other projects of the firm that may be the same investment, with the reasons."""
    claimed = _claimed_project(db, app)
    if claimed is None:
        return []
    kind, fields = claimed
    money, period = _money(fields), _period(fields)
    out = []
    others = db.scalars(
        select(Project)
        .where(
            Project.enterprise_id == app.enterprise_id,
            Project.kind == kind,
            Project.id != app.project_id,
        )
        .order_by(Project.id)
    )
    for other in others:
        theirs = other.fields or {}
        reasons = [
            f"投资额相同：{name}"
            for name, value in _money(theirs).items()
            if money.get(name) == value
        ]
        their_period = _period(theirs)
        if (
            period
            and their_period
            and period[0] <= their_period[1]
            and their_period[0] <= period[1]
        ):
            reasons.append(f"建设期重叠：{their_period[0]} 至 {their_period[1]}")
        if not reasons:
            continue
        awarded = db.scalars(
            select(Application).where(
                Application.project_id == other.id, Application.status.in_(AWARDED)
            )
        ).first()
        out.append(
            {
                "project_id": other.id,
                "project_name": other.name,
                "reasons": reasons,
                "awarded_application_id": awarded.id if awarded else None,
                "awarded_status": awarded.status if awarded else None,
                "already_paid": bool(awarded and any(r.startswith("投资额") for r in reasons)),
            }
        )
    return out


def _steps(db: Session, app: Application) -> list[ReviewStep]:
    rows = db.scalars(
        select(ReviewStep)
        .where(ReviewStep.application_id == app.id, ReviewStep.stage == STAGE)
        .order_by(ReviewStep.id)
    )
    return [s for s in rows if (s.details or {}).get("version") == app.version]


def clearance(db: Session, app: Application) -> dict[str, Any]:
    """Where the duplicate check stands for the current version (for pages and the API)."""
    steps = _steps(db, app)
    explained = next((s for s in reversed(steps) if s.outcome == "explained"), None)
    confirmed = None
    if explained is not None:
        confirmed = next(
            (s for s in steps if s.outcome == "confirmed" and s.id > explained.id), None
        )
    return {
        "flags": flags(db, app),
        "explained_by": explained.reviewer if explained else None,
        "reason": explained.opinion if explained else None,
        "confirmed_by": confirmed.reviewer if confirmed else None,
    }


def ensure_cleared(db: Session, app: Application) -> None:
    state = clearance(db, app)
    if not state["flags"]:
        return
    if state["reason"] is None or state["confirmed_by"] is None:
        names = "、".join(f["project_name"] for f in state["flags"])
        raise ApiError(
            409,
            "duplicate_unconfirmed",
            f"复核发现可能重复支持（{names}）：须由一名审核员记录核查理由、另一名审核员确认后，"
            "才能决定支持",
            "approve",
        )


def _city(p: Principal, app: Application) -> None:
    lifecycle.ensure_city(p, app)
    if app.status not in ("city_passed", "expert_review"):
        raise lifecycle.wrong_status(app, lifecycle.Action.APPROVE)


def explain(db: Session, p: Principal, app_id: int, reason: str) -> dict[str, Any]:
    app = get_visible_app(db, p, app_id, lock=True)
    _city(p, app)
    if not flags(db, app):
        raise ApiError(409, "no_duplicate_flag", "复核未发现可能的重复支持，无需说明", "reason")
    if not reason.strip():
        raise ApiError(422, "required", "请写明为何不属于重复支持", "reason")
    db.add(ReviewStep(application_id=app.id, stage=STAGE, outcome="explained",
                      opinion=reason.strip(), reviewer=p.username,
                      details={"version": app.version}))  # fmt: skip
    db.flush()
    state = clearance(db, app)
    record(db, p, "review.duplicate.explain", "application", app.id, None, state)
    db.commit()
    return state


def confirm(db: Session, p: Principal, app_id: int) -> dict[str, Any]:
    app = get_visible_app(db, p, app_id, lock=True)
    _city(p, app)
    state = clearance(db, app)
    if state["reason"] is None:
        raise ApiError(409, "not_explained", "尚无审核员记录核查理由", "application_id")
    if state["explained_by"] == p.username:
        raise ApiError(
            409, "same_officer", "须由记录核查理由以外的另一名审核员确认", "application_id"
        )
    db.add(ReviewStep(application_id=app.id, stage=STAGE, outcome="confirmed",
                      opinion=state["reason"], reviewer=p.username,
                      details={"version": app.version}))  # fmt: skip
    db.flush()
    state = clearance(db, app)
    record(db, p, "review.duplicate.confirm", "application", app.id, None, state)
    db.commit()
    return state
