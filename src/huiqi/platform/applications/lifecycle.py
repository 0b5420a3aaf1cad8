"""The application lifecycle: one table of every status change the platform makes.

Each row is (from status, action) -> (to status, who may do it, guards, audit action); the
engine (platform/lifecycle_table.py) is shared with the other programmes. Services never
assign `Application.status` themselves: they call `move()`, which finds the row, checks the
acting person against its actors (the firm itself, the district of the firm *as frozen at
submission*, the bureau responsible for the measure, an admin), writes the new status and
appends the audit entry named in the row. Pages and the API ask `allowed()` what the current
user may do next and offer only that.

Guards are named beside the table (GUARDS) and enforced by the service that performs the
action; the names appear in docs/platform.md, which a test checks against this table.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from huiqi.platform.applications.schemas import snapshot

# re-exported: the services and pages have long read the statuses from here
from huiqi.platform.applications.statuses import AWARDED as AWARDED
from huiqi.platform.applications.statuses import BEFORE_DECISION as BEFORE_DECISION
from huiqi.platform.applications.statuses import DECIDED as DECIDED
from huiqi.platform.applications.statuses import REOPENABLE as REOPENABLE
from huiqi.platform.applications.statuses import STATUS_ZH as STATUS_ZH
from huiqi.platform.applications.statuses import Status as Status
from huiqi.platform.auth.principal import Principal
from huiqi.platform.dashboard import rollup
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.lifecycle_table import Lifecycle, Row


class Actor(StrEnum):
    FIRM = "firm"  # the enterprise account of the applying firm
    DISTRICT = "district"  # a district officer of the district frozen at submission
    CITY = "city"  # a city officer of a bureau responsible for the measure
    ADMIN = "admin"


ACTOR_ZH = {
    Actor.FIRM: "申报企业",
    Actor.DISTRICT: "所在区审核员",
    Actor.CITY: "责任单位市级审核员",
    Actor.ADMIN: "管理员",
}


class Action(StrEnum):
    SAVE_DRAFT = "save_draft"
    DELETE_DRAFT = "delete_draft"
    DELETE_OFFER_DRAFT = "delete_offer_draft"
    SUBMIT = "submit"
    OFFER = "offer"
    BOARD_CLAIM = "board_claim"
    CONFIRM = "confirm"
    DECLINE = "decline"
    DISTRICT_PASS = "district_pass"
    DISTRICT_REJECT = "district_reject"
    CITY_PASS = "city_pass"
    CITY_PASS_TO_EXPERT = "city_pass_to_expert"
    CITY_REJECT = "city_reject"
    SEND_TO_EXPERT = "send_to_expert"
    EXPERT_PASS = "expert_pass"
    EXPERT_REJECT = "expert_reject"
    RETURN = "return"
    AMEND = "amend"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    OBJECTION_UPHELD = "objection_upheld"
    NOTICE_PASSED = "notice_passed"
    SCHEDULE_PAYMENT = "schedule_payment"
    PAID = "paid"
    VOUCHER_SETTLE = "voucher_settle"


ACTION_ZH: dict[str, str] = {
    Action.SAVE_DRAFT: "保存草稿",
    Action.DELETE_DRAFT: "删除草稿",
    Action.DELETE_OFFER_DRAFT: "删除草稿（恢复已放弃的免申即享）",
    Action.SUBMIT: "提交申报",
    Action.OFFER: "免申即享推送",
    Action.BOARD_CLAIM: "揭榜挂帅考核认定后建立申报",
    Action.CONFIRM: "确认免申即享",
    Action.DECLINE: "放弃免申即享",
    Action.DISTRICT_PASS: "区级初审通过",
    Action.DISTRICT_REJECT: "区级初审不通过",
    Action.CITY_PASS: "市级复核通过",
    Action.CITY_PASS_TO_EXPERT: "市级复核通过并送专家评审",
    Action.CITY_REJECT: "市级复核不通过",
    Action.SEND_TO_EXPERT: "送专家评审",
    Action.EXPERT_PASS: "结束专家评审：通过",
    Action.EXPERT_REJECT: "结束专家评审：不通过",
    Action.RETURN: "退回补正",
    Action.AMEND: "补正后重新提交",
    Action.WITHDRAW: "撤回申报",
    Action.APPROVE: "决定支持",
    Action.REJECT: "决定不予支持",
    Action.PUBLISH: "列入公示",
    Action.OBJECTION_UPHELD: "异议成立，退回市级复核",
    Action.NOTICE_PASSED: "公示期满无异议",
    Action.SCHEDULE_PAYMENT: "安排拨付",
    Action.PAID: "资金全部到账",
    Action.VOUCHER_SETTLE: "服务券核销，进入拨付",
}

# Guards: conditions checked by the service performing the action, besides status and actor.
GUARDS: dict[str, str] = {
    "round_open": "须在该措施本年度开放中的申报批次内提交；申报日为北京时间的提交当日",
    "claim_free": "同一企业、措施、年度、项目只能有一份申报（草稿、撤回或放弃的可被接管）",
    "board_assessed": "只由揭榜挂帅平台在考核认定实施成功时建立；项目总投入与认定日期取自考核认定",
    "credit_ok": "严重失信或近期有行政处罚的企业不能申报、不能通过复核",
    "reason_required": "不通过、退回、撤回、不予支持须写明理由",
    "not_already_awarded": "复核时按已支持/已拨付记录重算，已获支持的不得再通过",
    "duplicate_flags": "复核标记同一企业同类项目投资额相同或建设期重叠、及同一投资已拨付的项目",
    "duplicate_confirmed": "有重复支持标记的申报须记录理由并经另一名审核员确认后才能决定支持",
    "experts_answered": "所有受邀专家都已提交意见或回避，且至少有一份意见",
    "engine_not_ineligible": "引擎判定不符合条件（ineligible）的申报只能不予支持或退回",
    "amount_limits": "核定金额不超过措施上限、不超过申请金额（计算类不超过政策公式金额）",
    "amount_reason": "核定金额不同于引擎金额或专家建议金额时须写明理由",
    "budget_available": "承诺预算不超过预算总额（单条条件 UPDATE）",
    "notice_start_not_past": "公示开始日期不早于今天（北京时间），不能倒签",
    "own_measures": "只能公示本单位责任措施的申报，发布时不预先勾选",
    "period_over": "公示期最后一个工作日之后才能结束公示；有待核查异议的申报不随批次通过",
    "objection_decided": "异议由审核员核查决定：成立则释放预算、退回复核；不成立记录理由、公示照常",
    "payment_parts": "市级部分由责任单位确认，区级部分由提交时所在区确认；全部到账才为已拨付",
    "voucher_redeemed": "小微企业服务券已由企业确认交付、服务商申请兑付；金额为领券时按当年已发布"
    "的应用服务目录和奖补标准计算的金额（预算在领券时已承诺），核销后按拨付流程拨付",
}


Transition = Row[Status, Action, Actor]


F, D, C, A = Actor.FIRM, Actor.DISTRICT, Actor.CITY, Actor.ADMIN
S = Status


def _rows() -> list[Transition]:
    T = Transition
    rows: list[Transition] = [
        T(None, Action.SAVE_DRAFT, S.DRAFT, (F,), "application.draft.create"),
        T(S.DRAFT, Action.SAVE_DRAFT, S.DRAFT, (F,), "application.draft.update"),
        T(S.WITHDRAWN, Action.SAVE_DRAFT, S.DRAFT, (F,), "application.draft.create"),
        T(S.DECLINED, Action.SAVE_DRAFT, S.DRAFT, (F,), "application.draft.create"),
        # deleting a draft that took over a withdrawn application (or a declined offer)
        # restores it; a first draft is simply deleted (no status is written)
        T(S.DRAFT, Action.DELETE_DRAFT, S.WITHDRAWN, (F,), "application.draft.delete"),
        T(S.DRAFT, Action.DELETE_OFFER_DRAFT, S.DECLINED, (F,), "application.draft.delete"),
    ]
    for src in (None, S.DRAFT, S.WITHDRAWN, S.DECLINED):
        audit = "application.resubmit" if src == S.WITHDRAWN else "application.submit"
        rows.append(
            T(src, Action.SUBMIT, S.SUBMITTED, (F, A), audit,
              ("round_open", "claim_free", "credit_ok"))
        )  # fmt: skip
    rows += [
        T(None, Action.OFFER, S.CANDIDATE, (C, A), "campaign.candidate", ("credit_ok",)),
        # 3.6.1: the 揭榜挂帅 board's 考核认定 files the lead unit's claim (challenges.assessment)
        T(None, Action.BOARD_CLAIM, S.SUBMITTED, (C, A), "challenge.claim", ("board_assessed",)),
        T(S.DRAFT, Action.OFFER, S.CANDIDATE, (C, A), "campaign.candidate", ("credit_ok",)),
        T(S.CANDIDATE, Action.CONFIRM, S.SUBMITTED, (F,), "campaign.confirmed", ("credit_ok",)),
        T(S.CANDIDATE, Action.DECLINE, S.DECLINED, (F,), "campaign.declined"),
        T(S.SUBMITTED, Action.DISTRICT_PASS, S.DISTRICT_PASSED, (D, A), "review.district.pass"),
        T(S.SUBMITTED, Action.DISTRICT_REJECT, S.REJECTED, (D, A), "review.district.reject",
          ("reason_required",)),
        T(S.DISTRICT_PASSED, Action.CITY_PASS, S.CITY_PASSED, (C, A), "review.city.pass",
          ("credit_ok", "not_already_awarded", "duplicate_flags")),
        T(S.DISTRICT_PASSED, Action.CITY_PASS_TO_EXPERT, S.EXPERT_REVIEW, (C, A),
          "review.city.pass", ("credit_ok", "not_already_awarded", "duplicate_flags")),
        T(S.DISTRICT_PASSED, Action.CITY_REJECT, S.REJECTED, (C, A), "review.city.reject",
          ("reason_required",)),
        T(S.CITY_PASSED, Action.SEND_TO_EXPERT, S.EXPERT_REVIEW, (C, A), "review.expert.send"),
        T(S.EXPERT_REVIEW, Action.EXPERT_PASS, S.CITY_PASSED, (C, A), "review.expert.pass",
          ("experts_answered",)),
        T(S.EXPERT_REVIEW, Action.EXPERT_REJECT, S.REJECTED, (C, A), "review.expert.reject",
          ("experts_answered", "reason_required")),
        T(S.SUBMITTED, Action.RETURN, S.RETURNED, (D, A), "review.return", ("reason_required",)),
    ]  # fmt: skip
    for src in (S.DISTRICT_PASSED, S.EXPERT_REVIEW, S.CITY_PASSED):
        rows.append(
            T(src, Action.RETURN, S.RETURNED, (C, A), "review.return", ("reason_required",))
        )
    rows.append(T(S.RETURNED, Action.AMEND, S.SUBMITTED, (F,), "application.amend", ("credit_ok",)))
    for src in BEFORE_DECISION:
        rows.append(
            T(src, Action.WITHDRAW, S.WITHDRAWN, (F,), "application.withdraw", ("reason_required",))
        )
    rows += [
        T(S.CITY_PASSED, Action.APPROVE, S.APPROVED, (C, A), "decision.approve",
          ("engine_not_ineligible", "amount_limits", "amount_reason", "duplicate_confirmed",
           "budget_available")),
        T(S.CITY_PASSED, Action.REJECT, S.REJECTED, (C, A), "decision.reject",
          ("reason_required",)),
        T(S.APPROVED, Action.PUBLISH, S.IN_NOTICE, (C, A), "notice.list",
          ("notice_start_not_past", "own_measures")),
        T(S.IN_NOTICE, Action.OBJECTION_UPHELD, S.DISTRICT_PASSED, (C, A), "notice.reopen",
          ("objection_decided",)),
        T(S.IN_NOTICE, Action.NOTICE_PASSED, S.NOTICED, (C, A), "notice.passed",
          ("period_over", "objection_decided")),
        T(S.NOTICED, Action.SCHEDULE_PAYMENT, S.NOTICED, (C, A), "payment.schedule"),
        T(S.NOTICED, Action.PAID, S.PAID, (C, D, A), "application.paid", ("payment_parts",)),
        # 小微企业服务券 (3.2.1): the rules fixed the amount from the published standard when
        # the voucher was issued; the settled voucher enters the payment steps directly
        T(None, Action.VOUCHER_SETTLE, S.NOTICED, (C, A), "voucher.settle.application",
          ("voucher_redeemed",)),
    ]  # fmt: skip
    return rows


def units_measures(units: tuple[str, ...]) -> list[str]:
    """Measures a city officer handles: those naming one of their units as responsible."""
    from huiqi.platform.policy import get_policy

    return [m.id for m in get_policy().measures.values() if set(m.units) & set(units)]


def acts_as(p: Principal, app: Any) -> set[Actor]:
    """Which actors `p` is for this application (usually none or one)."""
    roles: set[Actor] = set()
    if p.role == "admin":
        roles.add(Actor.ADMIN)
    elif p.role == "enterprise" and p.enterprise_id == app.enterprise_id:
        roles.add(Actor.FIRM)
    elif p.role == "district_officer" and p.district and p.district == frozen_district(app):
        roles.add(Actor.DISTRICT)
    elif p.role == "city_officer" and app.measure_id in units_measures(p.units):
        roles.add(Actor.CITY)
    return roles


def ensure_city(p: Principal, app: Any) -> None:
    """For reads and steps of the responsible bureau that are not status changes."""
    if not acts_as(p, app) & {Actor.CITY, Actor.ADMIN}:
        raise forbidden("只有该措施责任单位的市级审核员可以执行此操作")


def frozen_district(app: Any) -> str | None:
    """The district that routes the application: the one frozen when it was submitted."""
    return getattr(app, "district", None)


def _after_decision(status: str | None, action: str) -> ApiError | None:
    """Withdrawing, amending or returning a decided application: say why not (the rule)."""
    verbs = {Action.WITHDRAW: "撤回", Action.AMEND: "修改", Action.RETURN: "退回"}
    if status not in DECIDED or action not in verbs:
        return None
    return ApiError(
        409,
        "after_decision",
        f"申报已作出决定（当前状态“{STATUS_ZH[status]}”）：按规定，决定后不得{verbs[Action(action)]}"
        "申报；如有异议请在公示期内提出",
        "status",
    )


LIFECYCLE: Lifecycle[Status, Action, Actor] = Lifecycle(
    entity="application",
    noun="申报",
    new_row="（新申报）",
    status_zh=STATUS_ZH,
    action_zh=ACTION_ZH,
    actor_names=ACTOR_ZH,
    rows=tuple(_rows()),
    guards=GUARDS,
    guards_in_docs=True,
    acting=acts_as,
    snapshot=snapshot,
    # the dashboard's counts move in the same transaction (before: None when the row is new)
    on_move=rollup.on_change,
    status_refusal=_after_decision,
)


def wrong_status(app: Any, action: Action) -> ApiError:
    return LIFECYCLE.wrong_status(app.status if app is not None else None, action)


def check_batch(
    p: Principal, rows: Sequence[Any], action: Action, *, new: bool = False
) -> Transition:
    """`check` once for a batch of rows written in bulk (a 免申即享 campaign's thousands of
    candidates): every row must share the status and measure of the first, so the one row of
    the table and the one actor check hold for all. Actions of the firm or of a district
    depend on each row's firm or district and are checked row by row."""
    if not rows:
        raise ValueError("check_batch needs at least one row")
    first = rows[0]
    status = None if new else first.status
    for row in rows:
        if (None if new else row.status) != status or row.measure_id != first.measure_id:
            raise ValueError("check_batch: rows differ in status or measure")
    rule = LIFECYCLE.check(p, first, action, new=new)
    if set(rule.actors) & {Actor.FIRM, Actor.DISTRICT}:
        for row in rows[1:]:
            LIFECYCLE.check(p, row, action, new=new)
    return rule
