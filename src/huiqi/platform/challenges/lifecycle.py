"""The 揭榜挂帅 project lifecycle: one table of every status change of a bid.

Each row is (from status, action) -> (to status, who may do it, guards, audit action); the
engine is huiqi.platform.lifecycle_table. Services never assign `ChallengeBid.status`
themselves: they call `move()`, which checks the acting person against the row's actors (the
lead unit's firm account, the publishing bureau's city officer, an admin), writes the new
status and the audit entry. Guards are enforced by the service taking the action;
docs/programmes/challenges.md carries this table (a test keeps the two identical).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges.schemas import snapshot
from huiqi.platform.errors import ApiError
from huiqi.platform.lifecycle_table import Lifecycle, Row
from huiqi.platform.policy import programme_lead


def board_unit() -> str:
    """The bureau that publishes the board: the unit leading the policy's 揭榜挂帅 task."""
    return programme_lead("challenges")


class Status(StrEnum):
    BID = "bid"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    FAILED = "failed"


STATUS_ZH: dict[str, str] = {
    Status.BID: "已揭榜（待评审遴选）",
    Status.SELECTED: "揭榜成功（待签订协议）",
    Status.NOT_SELECTED: "未入选",
    Status.WITHDRAWN: "揭榜方已撤回",
    Status.IN_PROGRESS: "实施中",
    Status.PASSED: "考核认定实施成功",
    Status.FAILED: "考核未通过",
}


class Actor(StrEnum):
    FIRM = "firm"  # the account of the lead unit (牵头单位)
    CITY = "city"  # a city officer of the board's bureau
    ADMIN = "admin"


def actor_zh() -> dict[Actor, str]:
    return {Actor.FIRM: "牵头单位", Actor.CITY: f"{board_unit()}审核员", Actor.ADMIN: "管理员"}


class Action(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    SELECT = "select"
    NOT_SELECT = "not_select"
    SIGN = "sign"
    REPORT = "report"
    ASSESS_PASS = "assess_pass"
    ASSESS_FAIL = "assess_fail"


ACTION_ZH: dict[str, str] = {
    Action.SUBMIT: "揭榜",
    Action.WITHDRAW: "撤回揭榜",
    Action.SELECT: "确定揭榜成功",
    Action.NOT_SELECT: "确定未入选",
    Action.SIGN: "登记协议",
    Action.REPORT: "报告里程碑",
    Action.ASSESS_PASS: "考核认定：实施成功",
    Action.ASSESS_FAIL: "考核认定：未通过",
}

GUARDS: dict[str, str] = {
    "before_deadline": (
        "揭榜截止日（北京时间）当天及以前才能揭榜或撤回；已确定揭榜成功方的榜单不再接受揭榜"
    ),
    "parties_valid": "牵头单位与联合体成员的统一社会信用代码须通过 GB 32100 校验且互不重复",
    "scores_in": "受邀专家均已评分或回避，且至少有一份评分",
    "one_per_task": "每个榜单只确定一个揭榜成功方",
    "reason_required": "确定揭榜成功、未入选或撤回须写明理由",
    "agreement_complete": "协议签订日不晚于今天，约定总投入大于 0",
    "milestone_known": "只能报告揭榜时约定的里程碑，附件须为合规文件",
    "assessment_complete": "考核认定日不晚于今天、不早于协议签订日，须有考核报告和认定的项目总投入",
    "claim_created": "实施成功的，同时以牵头单位为申报企业建立 3.6.1 申报（项目总投入为认定值）",
}


Transition = Row[Status, Action, Actor]


def _rows() -> list[Transition]:
    T, S = Transition, Status
    F, C, A = Actor.FIRM, Actor.CITY, Actor.ADMIN
    return [
        T(None, Action.SUBMIT, S.BID, (F,), "challenge.bid", ("before_deadline", "parties_valid")),
        T(S.BID, Action.WITHDRAW, S.WITHDRAWN, (F,), "challenge.withdraw",
          ("before_deadline", "reason_required")),
        T(S.BID, Action.SELECT, S.SELECTED, (C, A), "challenge.select",
          ("scores_in", "one_per_task", "reason_required")),
        T(S.BID, Action.NOT_SELECT, S.NOT_SELECTED, (C, A), "challenge.not_select",
          ("reason_required",)),
        T(S.SELECTED, Action.SIGN, S.IN_PROGRESS, (C, A), "challenge.agreement",
          ("agreement_complete",)),
        T(S.IN_PROGRESS, Action.REPORT, S.IN_PROGRESS, (F,), "challenge.milestone",
          ("milestone_known",)),
        T(S.IN_PROGRESS, Action.ASSESS_PASS, S.PASSED, (C, A), "challenge.assess.pass",
          ("assessment_complete", "claim_created")),
        T(S.IN_PROGRESS, Action.ASSESS_FAIL, S.FAILED, (C, A), "challenge.assess.fail",
          ("assessment_complete",)),
    ]  # fmt: skip


def _reason_given(bid: Any, changes: Mapping[str, Any]) -> ApiError | None:
    if str(changes.get("selection_reason") or "").strip():
        return None
    return ApiError(422, "reason_required", "请写明理由", "reason")


def acts_as(p: Principal, bid: Any) -> set[Actor]:
    if p.role == "admin":
        return {Actor.ADMIN}
    if p.role == "enterprise" and p.enterprise_id == bid.lead_enterprise_id:
        return {Actor.FIRM}
    if p.role == "city_officer" and board_unit() in p.units:
        return {Actor.CITY}
    return set()


LIFECYCLE: Lifecycle[Status, Action, Actor] = Lifecycle(
    entity="challenge_bid",
    noun="揭榜",
    new_row="（新揭榜）",
    status_zh=STATUS_ZH,
    action_zh=ACTION_ZH,
    actor_names=actor_zh,
    rows=tuple(_rows()),
    guards=GUARDS,
    guard_checks={"reason_required": _reason_given},
    acting=acts_as,
    snapshot=snapshot,
)
