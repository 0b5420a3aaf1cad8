"""The lifecycles of the 供需对接平台 as tables: entries (demands and supplies) and contacts.

Each row is (from status, action) -> (to status, who may do it, guards, audit action); the
engine is platform/lifecycle_table.py. Services never assign a status themselves: they call
`move()`, which checks the acting person against the row's actors, writes the status and
appends the audit entry named in the row. Pages ask `allowed()` what to offer.

Who is who:
- the owner: the party that submitted the entry (a firm's account; for a government unit's
  demand, an officer of that unit or district);
- a curator: an officer of a city unit responsible for the policy's 供需对接 task (read from
  the policy package) for any entry, or a district officer for the entries of their own
  district. Only curators (and admins) publish or return.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.lifecycle_table import Lifecycle, Row
from huiqi.platform.policy import programme_task_id, programme_units

# the policy's task this platform carries out (in the reference policy, Wuhan's:
# 每年召开数字经济供需对接大会并发布供需清单)
TASK_ID = programme_task_id("matching")


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


Transition = Row[Status, Action, Actor]


OWN, C, A = Actor.OWNER, Actor.CURATOR, Actor.ADMIN
S = Status
T = Transition
ROWS: tuple[Transition, ...] = (
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


@lru_cache(maxsize=1)
def curating_units() -> tuple[str, ...]:
    """The city units the policy names for clause 五（三） (not 各区人民政府, which district
    officers stand for, each in their own district)."""
    return tuple(u for u in programme_units("matching") if not u.startswith("各区"))


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


def _outside_district(p: Principal, rule: Transition, mine: set[Actor]) -> None:
    """A district officer may curate, but only their own district's entries: say that."""
    if p.role == "district_officer" and "own_district" in rule.guards:
        raise forbidden(f"“{rule.label}”：{GUARDS['own_district']}")


def _reason_given(entry: Any, changes: Mapping[str, Any]) -> ApiError | None:
    if str(changes.get("return_reason") or "").strip():
        return None
    return ApiError(422, "reason_required", GUARDS["reason_required"], "reason")


def _snapshot(entry: Any) -> dict[str, Any]:
    from huiqi.platform.matching.schemas import snapshot

    return snapshot(entry)


LIFECYCLE: Lifecycle[Status, Action, Actor] = Lifecycle(
    entity="matching_entry",
    noun="条目",
    new_row="（新条目）",
    status_zh=STATUS_ZH,
    action_zh=ACTION_ZH,
    actor_names=ACTOR_ZH,
    rows=ROWS,
    guards=GUARDS,
    guards_in_docs=True,
    guard_checks={"reason_required": _reason_given},
    acting=acts_as,
    snapshot=_snapshot,
    actor_refusal=_outside_district,
)
