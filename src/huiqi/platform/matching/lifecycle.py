"""The lifecycles of the 供需对接平台 as tables: entries (demands and supplies) and contacts.

Each row is (from status, action) -> (to status, who may do it, guards, audit action), as in
platform/applications/lifecycle.py. Services never assign a status themselves: they call
`move()`, which checks the acting person against the row's actors, writes the status and
appends the audit entry named in the row. Pages ask `allowed()` what to offer.

Who is who:
- the owner: the party that submitted the entry (a firm's account; for a government unit's
  demand, an officer of that unit or district);
- a curator: an officer of a unit responsible for clause 五（三） (市政务服务大数据局、市经信局,
  read from the policy's task) for any entry, or a district officer (各区人民政府) for the
  entries of their own district. Only curators (and admins) publish or return.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import forbidden
from huiqi.platform.lifecycle_table import (
    allowed_rules,
    find_rule,
    refuse_unless_actor,
    transitions_markdown,
)

TASK_ID = "5.3.T1"  # 每年召开数字经济供需对接大会并发布供需清单


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETURNED = "returned"
    CLOSED = "closed"


STATUS_ZH: dict[str, str] = {
    Status.DRAFT: "草稿（未提交）",
    Status.SUBMITTED: "待审核发布",
    Status.PUBLISHED: "已发布",
    Status.RETURNED: "退回修改",
    Status.CLOSED: "已关闭",
}


class Actor(StrEnum):
    OWNER = "owner"
    CURATOR = "curator"
    ADMIN = "admin"


ACTOR_ZH = {Actor.OWNER: "提交方", Actor.CURATOR: "供需对接责任单位工作人员", Actor.ADMIN: "管理员"}


class Action(StrEnum):
    SAVE_DRAFT = "save_draft"
    SUBMIT = "submit"
    AMEND = "amend"
    PUBLISH = "publish"
    RETURN = "return"
    CLOSE = "close"


ACTION_ZH: dict[str, str] = {
    Action.SAVE_DRAFT: "保存草稿",
    Action.SUBMIT: "提交审核",
    Action.AMEND: "修改后重新提交",
    Action.PUBLISH: "审核发布",
    Action.RETURN: "退回修改",
    Action.CLOSE: "关闭",
}

GUARDS: dict[str, str] = {
    "reason_required": "退回须写明理由",
    "own_district": "区级工作人员只能发布、退回本区的条目",
    "deadline_not_past": "需求的截止日期不早于今天（北京时间）",
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


OWN, C, A = Actor.OWNER, Actor.CURATOR, Actor.ADMIN
S = Status
T = Transition
TABLE: tuple[Transition, ...] = (
    T(None, Action.SAVE_DRAFT, S.DRAFT, (OWN,), "matching.draft.create"),
    T(S.DRAFT, Action.SAVE_DRAFT, S.DRAFT, (OWN,), "matching.draft.update"),
    T(None, Action.SUBMIT, S.SUBMITTED, (OWN,), "matching.submit", ("deadline_not_past",)),
    T(S.DRAFT, Action.SUBMIT, S.SUBMITTED, (OWN,), "matching.submit", ("deadline_not_past",)),
    T(S.RETURNED, Action.AMEND, S.SUBMITTED, (OWN,), "matching.amend", ("deadline_not_past",)),
    T(S.SUBMITTED, Action.PUBLISH, S.PUBLISHED, (C, A), "matching.publish", ("own_district",)),
    T(S.SUBMITTED, Action.RETURN, S.RETURNED, (C, A), "matching.return",
      ("own_district", "reason_required")),
    T(S.DRAFT, Action.CLOSE, S.CLOSED, (OWN,), "matching.close"),
    T(S.SUBMITTED, Action.CLOSE, S.CLOSED, (OWN, A), "matching.close"),
    T(S.RETURNED, Action.CLOSE, S.CLOSED, (OWN, A), "matching.close"),
    T(S.PUBLISHED, Action.CLOSE, S.CLOSED, (OWN, C, A), "matching.close"),
)  # fmt: skip
_INDEX = {(t.source, t.action): t for t in TABLE}
assert len(_INDEX) == len(TABLE), "one row per (status, action)"
assert all(g in GUARDS for t in TABLE for g in t.guards), "every guard is described"


class ContactStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


CONTACT_STATUS_ZH = {
    ContactStatus.PENDING: "待对方答复",
    ContactStatus.ACCEPTED: "对方已同意对接",
    ContactStatus.DECLINED: "对方已婉拒",
}
# (from, action) -> to; the requester asks, only the other party answers (service checks who)
CONTACT_TABLE: dict[tuple[str | None, str], tuple[str, str]] = {
    (None, "request"): (ContactStatus.PENDING, "matching.contact.request"),
    (ContactStatus.PENDING, "accept"): (ContactStatus.ACCEPTED, "matching.contact.accept"),
    (ContactStatus.PENDING, "decline"): (ContactStatus.DECLINED, "matching.contact.decline"),
}


def status_zh(status: str | None) -> str:
    return STATUS_ZH.get(status or "", status or "（新条目）")


@lru_cache(maxsize=1)
def curating_units() -> tuple[str, ...]:
    """The city units the policy names for clause 五（三） (not 各区人民政府, which district
    officers stand for, each in their own district)."""
    from huiqi.platform.policy import get_policy

    for task in get_policy().tasks:
        if task.id == TASK_ID:
            return tuple(u for u in task.units if not u.startswith("各区"))
    return ()


def parties(p: Principal) -> set[str]:
    """The owner keys a person acts for: their firm, or their unit(s) / district."""
    if p.role == "enterprise" and p.enterprise_id is not None:
        return {f"e:{p.enterprise_id}"}
    if p.role == "city_officer":
        return {f"u:{u}" for u in p.units}
    if p.role == "district_officer" and p.district:
        return {f"u:{p.district}"}
    return set()


def is_curator(p: Principal, district: str | None = None) -> bool:
    """Curates every entry (a 五（三） unit), or those of `district` (its district officer);
    district=None asks whether `p` curates anything at all."""
    if p.role == "city_officer" and set(p.units) & set(curating_units()):
        return True
    if p.role == "district_officer" and p.district:
        return district is None or p.district == district
    return False


def acts_as(p: Principal, entry: Any) -> set[Actor]:
    roles: set[Actor] = set()
    if p.role == "admin":
        roles.add(Actor.ADMIN)
    if entry.owner_key in parties(p):
        roles.add(Actor.OWNER)
    if is_curator(p, entry.district):
        roles.add(Actor.CURATOR)
    return roles


def check(p: Principal, entry: Any, action: Action, *, new: bool = False) -> Transition:
    source = None if new else Status(entry.status)
    shown = status_zh(None if new else entry.status)
    rule = find_rule(_INDEX, source, action, noun="条目", shown_status=shown, action_zh=ACTION_ZH)
    mine = acts_as(p, entry)
    # a district officer may curate, but only their own district's entries: say that
    outside = not mine & set(rule.actors) and p.role == "district_officer"
    if outside and "own_district" in rule.guards:
        raise forbidden(f"“{rule.label}”：{GUARDS['own_district']}")
    refuse_unless_actor(rule, mine, ACTOR_ZH)
    return rule


def allowed(p: Principal, entry: Any) -> list[Transition]:
    return allowed_rules(TABLE, entry.status, acts_as(p, entry))


def move(
    db: Session,
    entry: Any,
    p: Principal,
    action: Action,
    *,
    new: bool = False,
    before: dict[str, Any] | None = None,
    **changes: Any,
) -> Transition:
    """Check, write the new status and `changes`, append the row's audit entry. The caller
    commits."""
    from huiqi.platform.matching.schemas import snapshot

    rule = check(p, entry, action, new=new)
    if before is None and not new:
        before = snapshot(entry)
    entry.status = rule.target.value
    for key, value in changes.items():
        setattr(entry, key, value)
    if new:
        db.add(entry)
    db.flush()
    record(db, p, rule.audit, "matching_entry", entry.id, before, snapshot(entry))
    return rule


def table_markdown() -> str:
    """The entry table as Markdown, for docs/programmes/matching.md (a test compares)."""
    return transitions_markdown(
        TABLE, status_zh=status_zh, actor_zh=ACTOR_ZH, new_row="（新条目）", guards=GUARDS
    )
