"""Review workflow: district first review -> city re-check (incl. "already awarded?") ->
optional expert / third-party step -> decision, which commits the budget.

Each step locks the application row and checks its status inside the transaction, so two
officers acting at once cannot both move it (the second gets a 409 with the current status).
"""

from __future__ import annotations

import statistics
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.lifecycle import STATUS_ZH, Action
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.service import get_visible_app
from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets.service import commit_amount, warning
from huiqi.platform.credit.service import check as credit_check
from huiqi.platform.engine import case_of_firm, evaluate_measure
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError
from huiqi.platform.experts.service import OPINION_ZH, for_application, needs_expert
from huiqi.platform.policy import cap_fen, measure
from huiqi.platform.reviews import duplicates
from huiqi.platform.reviews.models import ReviewStep
from huiqi.platform.reviews.schemas import CityReviewIn, DecisionIn, ReviewIn
from huiqi.rules.money import format_yuan

__all__ = ["STATUS_ZH", "city_review", "decide", "district_review", "expert_review", "recheck"]


def _step(
    db: Session,
    app: Application,
    p: Principal,
    stage: str,
    outcome: str,
    opinion: str,
    **details: Any,
) -> None:
    db.add(
        ReviewStep(
            application_id=app.id,
            stage=stage,
            outcome=outcome,
            opinion=opinion,
            reviewer=p.username,
            details=details,
        )
    )


def district_review(db: Session, p: Principal, app_id: int, body: ReviewIn) -> Application:
    app = get_visible_app(db, p, app_id, lock=True)
    action = Action.DISTRICT_PASS if body.outcome == "pass" else Action.DISTRICT_REJECT
    lifecycle.LIFECYCLE.check(p, app, action)
    if body.outcome == "reject" and not body.opinion.strip():
        raise ApiError(422, "required", "不通过时必须填写审核意见", "opinion")
    _step(db, app, p, "district", body.outcome, body.opinion)
    lifecycle.LIFECYCLE.move(db, app, p, action)
    db.commit()
    return app


def recheck(db: Session, app: Application) -> dict[str, Any]:
    """Re-evaluate the frozen facts against awards granted since: the "already rewarded?" check."""
    ent = db.get(Enterprise, app.enterprise_id)
    assert ent is not None
    current = case_of_firm(db, ent, app.fiscal_year, exclude_application_id=app.id)
    case = {**app.facts, "prior_awards": current["prior_awards"]}
    out = evaluate_measure(case, app.measure_id, app.project_id)
    credit = credit_check(db, ent)
    return {
        "duplicate_flags": duplicates.flags(db, app),
        "prior_awards": case["prior_awards"],
        "status": out.status,
        "amount_fen": out.amount_fen,
        "credit_blocked": credit.blocked,
        "credit_reasons": credit.reasons,
    }


def city_review(db: Session, p: Principal, app_id: int, body: CityReviewIn) -> Application:
    app = get_visible_app(db, p, app_id, lock=True)
    lifecycle.LIFECYCLE.check(
        p, app, Action.CITY_PASS if body.outcome == "pass" else Action.CITY_REJECT
    )
    if body.outcome == "reject":
        if not body.opinion.strip():
            raise ApiError(422, "required", "不通过时必须填写审核意见", "opinion")
        _step(db, app, p, "city", "reject", body.opinion)
        lifecycle.LIFECYCLE.move(db, app, p, Action.CITY_REJECT)
        db.commit()
        return app
    rc = recheck(db, app)
    if rc["credit_blocked"]:
        raise ApiError(422, "credit_blocked", "；".join(rc["credit_reasons"]), "enterprise_id")
    if app.engine_status == "eligible" and rc["status"] != "eligible":
        raise ApiError(
            409,
            "already_awarded",
            "复核发现该企业已就此事项获得支持（已拨付或已决定），按规定不得重复支持，请作不予支持处理",
            "measure_id",
        )
    # The measure's setting sends it to experts whatever the officer ticked; the officer may
    # add the step for any other measure.
    expert = body.needs_expert or needs_expert(db, app.measure_id)
    _step(db, app, p, "city", "pass", body.opinion, recheck=rc, needs_expert=expert)
    lifecycle.LIFECYCLE.move(db, app, p, Action.CITY_PASS_TO_EXPERT if expert else Action.CITY_PASS)
    db.commit()
    return app


def expert_review(db: Session, p: Principal, app_id: int, body: ReviewIn) -> Application:
    """The city officer closes the expert step once every invited expert has answered."""
    app = get_visible_app(db, p, app_id, lock=True)
    action = Action.EXPERT_PASS if body.outcome == "pass" else Action.EXPERT_REJECT
    lifecycle.LIFECYCLE.check(p, app, action)
    assigned = for_application(db, app)
    pending = [a for a in assigned if a.status == "assigned"]
    if pending:
        raise ApiError(
            409,
            "expert_pending",
            f"还有 {len(pending)} 位专家/第三方机构尚未提交意见，不能结束专家评审",
            "application_id",
        )
    opinions = [a for a in assigned if a.status == "submitted"]
    if not opinions:
        raise ApiError(
            409,
            "no_expert_opinion",
            "尚无专家/第三方机构提交意见：请先“送专家评审”并等待意见",
            "application_id",
        )
    if body.outcome == "reject" and not body.opinion.strip():
        raise ApiError(422, "required", "不通过时必须填写审核意见", "opinion")
    summary = "；".join(
        f"{OPINION_ZH.get(a.opinion or '', a.opinion)} {a.score} 分" for a in opinions
    )
    _step(
        db,
        app,
        p,
        "expert",
        body.outcome,
        body.opinion.strip() or f"专家意见：{summary}",
        opinions=len(opinions),
        mean_score=round(sum(a.score or 0 for a in opinions) / len(opinions), 1),
    )
    lifecycle.LIFECYCLE.move(db, app, p, action)
    db.commit()
    return app


def expert_amounts(db: Session, app: Application) -> set[int]:
    """The amounts the experts of the current version recommended."""
    return {
        a.recommended_amount_fen
        for a in for_application(db, app)
        if a.status == "submitted" and a.recommended_amount_fen
    }


def decision_amount(db: Session, app: Application, body: DecisionIn) -> int:
    """The amount an approval may commit, or a 422 naming the rule it breaks."""
    spec = measure(app.measure_id)
    if app.engine_status in ("ineligible", "excluded"):
        # 择优 claims too: the engine's conditions are the policy's, experts only rank within them
        raise ApiError(
            422,
            "engine_ineligible",
            "按政策条件该申报不符合（引擎判定“不符合”或“就高不重复已由其他政策办理”），"
            "只能不予支持或退回补正",
            "approve",
        )
    recommended = expert_amounts(db, app)
    reason = body.reason.strip()
    # a computed measure's row the rules left to review (3.2.1 without a published standard)
    # is decided like a discretionary one
    if spec.kind == "computed" and app.engine_status != "discretionary":
        if app.engine_status != "eligible" or not app.engine_amount_fen:
            raise ApiError(
                422,
                "engine_ineligible",
                "按政策公式该申报不符合条件或金额为 0，只能不予支持",
                "approve",
            )
        ceiling = app.engine_amount_fen
        rc = recheck(db, app)
        if rc["amount_fen"] is not None:
            ceiling = min(ceiling, rc["amount_fen"])
        amount = ceiling if body.amount_fen is None else body.amount_fen
        if amount > ceiling:
            raise ApiError(
                422,
                "above_engine",
                f"计算类措施的核定金额不能高于政策公式金额 {format_yuan(ceiling)}",
                "amount_fen",
            )
        if amount not in {app.engine_amount_fen, ceiling} | recommended and not reason:
            raise ApiError(
                422, "reason_required", "核定金额低于政策公式金额时必须说明理由", "reason"
            )
    else:
        if body.amount_fen is None:
            raise ApiError(422, "required", "择优/一事一议类措施必须填写核定金额", "amount_fen")
        amount = body.amount_fen
        cap = cap_fen(spec.id, app.fiscal_year)
        if cap is not None and amount > cap:
            raise ApiError(
                422, "over_cap", f"核定金额不能超过该措施上限 {format_yuan(cap)}", "amount_fen"
            )
        if app.requested_amount_fen is not None and amount > app.requested_amount_fen:
            raise ApiError(
                422,
                "over_requested",
                f"核定金额不能超过企业申请金额 {app.requested_amount_fen / 100:.2f} 元",
                "amount_fen",
            )
        if amount not in recommended and not reason:
            raise ApiError(
                422,
                "reason_required",
                "核定金额与专家/第三方建议金额不一致（或无专家建议）时必须写明理由",
                "reason",
            )
    if amount <= 0:
        raise ApiError(
            422, "positive", "支持金额必须大于 0；不予支持请选择 approve=false", "amount_fen"
        )
    return amount


def decide(
    db: Session, p: Principal, app_id: int, body: DecisionIn
) -> tuple[Application, str | None]:
    app = get_visible_app(db, p, app_id, lock=True)
    lifecycle.LIFECYCLE.check(p, app, Action.APPROVE if body.approve else Action.REJECT)
    if not body.approve:
        if not body.reason.strip():
            raise ApiError(422, "reason_required", "不予支持时必须说明理由", "reason")
        _step(db, app, p, "decision", "reject", body.reason)
        lifecycle.LIFECYCLE.move(db, app, p, Action.REJECT, decision_reason=body.reason)
        db.commit()
        return app, None
    amount = decision_amount(db, app, body)
    duplicates.ensure_cleared(db, app)
    pool = commit_amount(db, app.measure_id, app.fiscal_year, amount)
    _step(db, app, p, "decision", "approve", body.reason, amount_fen=amount)
    lifecycle.LIFECYCLE.move(
        db, app, p, Action.APPROVE, decided_amount_fen=amount, decision_reason=body.reason or None
    )
    db.commit()
    return app, warning(pool)


def steps_of(db: Session, app_id: int) -> list[ReviewStep]:
    """Every review step of an application, oldest first (the caller has checked access)."""
    q = select(ReviewStep).where(ReviewStep.application_id == app_id).order_by(ReviewStep.id)
    return list(db.scalars(q))


# the step before each stage: its duration runs from that step (or the submission) to this one
PREVIOUS = {"district": None, "city": "district", "expert": "city", "decision": "city"}


def usual_days(db: Session, stage: str, sample: int = 200) -> tuple[int, int] | None:
    """(median days, number of applications) a stage took lately; None without history.
    Measured, not promised: the pages say how long a step usually takes from this."""
    steps = list(
        db.execute(
            select(ReviewStep.application_id, ReviewStep.created_at)
            .where(ReviewStep.stage == stage)
            .order_by(ReviewStep.id.desc())
            .limit(sample)
        )
    )
    if not steps:
        return None
    ids = {app_id for app_id, _ in steps}
    before = PREVIOUS.get(stage)
    if before is None:
        submitted = select(Application.id, Application.submitted_at)
        starts = {i: when for i, when in db.execute(submitted.where(Application.id.in_(ids)))}
    else:
        starts = {}
        for app_id, when in db.execute(
            select(ReviewStep.application_id, ReviewStep.created_at)
            .where(ReviewStep.stage == before, ReviewStep.application_id.in_(ids))
            .order_by(ReviewStep.id)
        ):
            starts[app_id] = when  # the latest one before this stage
    days = [
        (when - starts[app_id]).total_seconds() / 86400
        for app_id, when in steps
        if starts.get(app_id) is not None and when >= starts[app_id]
    ]
    if not days:
        return None
    return max(round(statistics.median(days)), 0), len(days)
