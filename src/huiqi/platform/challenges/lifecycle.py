"""The 揭榜挂帅 project lifecycle: one table of every status change of a bid.

Each row is (from status, action) -> (to status, who may do it, guards, audit action), as in
huiqi.platform.applications.lifecycle. Services never assign `ChallengeBid.status` themselves:
they call `move()`, which checks the acting person against the row's actors (the lead unit's
firm account, the publishing bureau's city officer, an admin), writes the new status and the
audit entry. Guards are enforced by the service taking the action; docs/programmes/challenges.md
carries this table (a test keeps the two identical).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges.schemas import snapshot
from huiqi.platform.lifecycle_table import (
    allowed_rules,
    find_rule,
    refuse_unless_actor,
    transitions_markdown,
)

# The bureau that publishes the board (policy: 市经信局 is the responsible unit of 3.6.1).
BOARD_UNIT = "市经信局"


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


ACTOR_ZH = {Actor.FIRM: "牵头单位", Actor.CITY: "市经信局审核员", Actor.ADMIN: "管理员"}


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


@dataclass(frozen=True)
class Transition:
    source: Status | None
    action: Action
    target: Status
    actors: tuple[Actor, ...]
    audit: str
    guards: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return ACTION_ZH[self.action]


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


TABLE: tuple[Transition, ...] = tuple(_rows())
_INDEX = {(t.source, t.action): t for t in TABLE}
assert len(_INDEX) == len(TABLE), "one row per (status, action)"
assert all(g in GUARDS for t in TABLE for g in t.guards), "every guard is described"


def status_zh(status: str | None) -> str:
    return STATUS_ZH.get(status or "", status or "（新揭榜）")


def acts_as(p: Principal, bid: Any) -> set[Actor]:
    if p.role == "admin":
        return {Actor.ADMIN}
    if p.role == "enterprise" and p.enterprise_id == bid.lead_enterprise_id:
        return {Actor.FIRM}
    if p.role == "city_officer" and BOARD_UNIT in p.units:
        return {Actor.CITY}
    return set()


def check(p: Principal, bid: Any, action: Action, *, new: bool = False) -> Transition:
    source = None if new else Status(bid.status)
    shown = status_zh(bid.status)
    rule = find_rule(_INDEX, source, action, noun="揭榜", shown_status=shown, action_zh=ACTION_ZH)
    refuse_unless_actor(rule, acts_as(p, bid), ACTOR_ZH)
    return rule


def allowed(p: Principal, bid: Any) -> list[Transition]:
    return allowed_rules(TABLE, bid.status, acts_as(p, bid))


def move(
    db: Session,
    bid: Any,
    p: Principal,
    action: Action,
    *,
    new: bool = False,
    before: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    **changes: Any,
) -> Transition:
    """Take `action`: check status and actor, write the new status (and `changes`) and the
    audit entry named in the table. The caller holds the row's lock and commits."""
    rule = check(p, bid, action, new=new)
    if before is None and not new:
        before = snapshot(bid)
    bid.status = rule.target.value
    for key, value in changes.items():
        setattr(bid, key, value)
    db.flush()
    after = snapshot(bid) | (extra or {})
    record(db, p, rule.audit, "challenge_bid", bid.id, before, after)
    return rule


def table_markdown() -> str:
    """The table as Markdown, for docs/programmes/challenges.md."""
    return transitions_markdown(TABLE, status_zh=status_zh, actor_zh=ACTOR_ZH, new_row="（新揭榜）")
