"""Two lifecycles as tables: a provider in the 资源池, and a 服务券.

Each row is (from status, action) -> (to status, who may do it, audit action); the engine is
huiqi.platform.lifecycle_table. Services never assign a status themselves: they call `move()`,
which finds the row, checks the actor, writes the status and appends the audit entry named in
the row. `allowed()` tells pages what the
current user may do next. docs/programmes/vouchers.md carries both tables (a test keeps them
identical).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from huiqi.platform.auth.service import Principal
from huiqi.platform.lifecycle_table import Lifecycle
from huiqi.platform.lifecycle_table import Row as Row
from huiqi.platform.policy import programme_lead


class Actor(StrEnum):
    PROVIDER = "provider"  # the provider account that applied (its own record only)
    FIRM = "firm"  # the enterprise account of the firm holding the voucher
    CITY = "city"  # a city officer of the unit leading the policy's 资源池 task
    ADMIN = "admin"


def responsible_unit() -> str:
    """The unit that runs the pool and the vouchers: the lead of the policy's 资源池 task."""
    return programme_lead("vouchers")


def actor_zh() -> dict[Actor, str]:
    return {
        Actor.PROVIDER: "服务商本身",
        Actor.FIRM: "持券企业",
        Actor.CITY: f"{responsible_unit()}审核员",
        Actor.ADMIN: "管理员",
    }


# a provider in the pool and a voucher are two tables of the one engine (tests name the type)
Machine = Lifecycle[str, str, Actor]


def _machine(
    entity: str,
    status_zh: dict[str, str],
    action_zh: dict[str, str],
    rows: tuple[Row[str, str, Actor], ...],
) -> Machine:
    return Machine(
        entity=entity,
        noun="",
        new_row="（新记录）",
        status_zh=status_zh,
        action_zh=action_zh,
        actor_names=actor_zh,
        rows=rows,
    )


P, F, C, A = Actor.PROVIDER, Actor.FIRM, Actor.CITY, Actor.ADMIN

PROVIDER = _machine(
    entity="pool_provider",
    status_zh={
        "applied": "申请入池（待审核）",
        "admitted": "已入池",
        "rejected": "不予入池",
        "suspended": "暂停（评估不合格或整改中）",
        "removed": "已移出资源池",
    },
    action_zh={
        "apply": "申请入池",
        "reapply": "重新申请入池",
        "admit": "准予入池",
        "reject": "不予入池",
        "suspend": "暂停",
        "reinstate": "恢复",
        "remove": "移出资源池",
    },
    rows=(
        Row(None, "apply", "applied", (P,), "pool.provider.apply"),
        Row("rejected", "reapply", "applied", (P,), "pool.provider.apply"),
        Row("removed", "reapply", "applied", (P,), "pool.provider.apply"),
        Row("applied", "admit", "admitted", (C, A), "pool.provider.admit"),
        Row("applied", "reject", "rejected", (C, A), "pool.provider.reject"),
        Row("admitted", "suspend", "suspended", (C, A), "pool.provider.suspend"),
        Row("suspended", "reinstate", "admitted", (C, A), "pool.provider.reinstate"),
        Row("admitted", "remove", "removed", (C, A), "pool.provider.remove"),
        Row("suspended", "remove", "removed", (C, A), "pool.provider.remove"),
    ),
)

VOUCHER = _machine(
    entity="voucher",
    status_zh={
        "issued": "已领券（待交付）",
        "delivered": "企业已确认交付",
        "redeemed": "服务商已申请兑付",
        "settled": "已核销（进入拨付）",
        "cancelled": "企业已放弃",
    },
    action_zh={
        "issue": "领取服务券",
        "cancel": "放弃服务券",
        "confirm_delivery": "确认交付",
        "redeem": "申请兑付",
        "settle": "核销并安排拨付",
    },
    rows=(
        Row(None, "issue", "issued", (F,), "voucher.issue"),
        Row("issued", "cancel", "cancelled", (F,), "voucher.cancel"),
        Row("issued", "confirm_delivery", "delivered", (F,), "voucher.deliver"),
        Row("delivered", "redeem", "redeemed", (P,), "voucher.redeem"),
        Row("redeemed", "settle", "settled", (C, A), "voucher.settle"),
    ),
)


def acts_as(p: Principal, record_: Any, machine: Machine, owner: int | None) -> set[Actor]:
    """Which actors `p` is for this provider or voucher; `owner` is the user id of the provider
    account concerned (the provider itself, or the voucher's provider)."""
    if p.role == "admin":
        return {A}
    if p.role == "city_officer" and responsible_unit() in p.units:
        return {C}
    if p.role == "provider" and owner is not None and owner == p.user_id:
        return {P}
    if (
        machine is VOUCHER
        and p.role == "enterprise"
        and p.enterprise_id is not None
        and p.enterprise_id == getattr(record_, "enterprise_id", None)
    ):
        return {F}
    return set()


def check(
    p: Principal, obj: Any, machine: Machine, action: str, owner: int | None, *, new: bool = False
) -> Row[str, str, Actor]:
    return machine.check(p, obj, action, new=new, mine=acts_as(p, obj, machine, owner))


def allowed(p: Principal, obj: Any, machine: Machine, owner: int | None) -> list[tuple[str, str]]:
    """(action, its Chinese name) for each row `p` may take now."""
    mine = acts_as(p, obj, machine, owner)
    return [(r.action, r.label) for r in machine.allowed(obj.status, mine)]


def move(
    db: Session,
    obj: Any,
    p: Principal,
    machine: Machine,
    action: str,
    snapshot: Callable[[Any], dict[str, Any]],
    owner: int | None,
    *,
    new: bool = False,
    note: str = "",
) -> Row[str, str, Actor]:
    """Check, write the new status, audit (before/after snapshots and the note). The caller
    has locked the row (or added the new one) and commits."""
    return machine.move(
        db, obj, p, action, new=new, mine=acts_as(p, obj, machine, owner), snapshot=snapshot,
        extra={"note": note} if note else None,
    )  # fmt: skip
