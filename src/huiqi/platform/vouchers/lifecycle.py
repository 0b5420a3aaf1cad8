"""Two lifecycles as tables: a provider in the 资源池, and a 服务券.

Each row is (from status, action) -> (to status, who may do it, audit action). Services never
assign a status themselves: they call `move()`, which finds the row, checks the actor, writes
the status and appends the audit entry named in the row. `allowed()` tells pages what the
current user may do next. docs/programmes/vouchers.md carries both tables (a test keeps them
identical).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from huiqi.platform.audit.service import jsonable, record
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import ApiError, forbidden


class Actor(StrEnum):
    PROVIDER = "provider"  # the provider account that applied (its own record only)
    FIRM = "firm"  # the enterprise account of the firm holding the voucher
    CITY = "city"  # a city officer of 市经信局, the unit responsible for 三（二）
    ADMIN = "admin"


ACTOR_ZH = {
    Actor.PROVIDER: "服务商本身",
    Actor.FIRM: "持券企业",
    Actor.CITY: "市经信局审核员",
    Actor.ADMIN: "管理员",
}


@dataclass(frozen=True)
class Row:
    source: str | None  # None: the record does not exist yet
    action: str
    target: str
    actors: tuple[Actor, ...]
    audit: str


@dataclass(frozen=True)
class Machine:
    entity: str
    status_zh: dict[str, str]
    action_zh: dict[str, str]
    rows: tuple[Row, ...]

    def find(self, source: str | None, action: str) -> Row | None:
        return next((r for r in self.rows if r.source == source and r.action == action), None)

    def markdown(self) -> str:
        lines = [
            "| 当前状态 | 操作 | 下一状态 | 谁可以办理 | 审计动作 |",
            "|---|---|---|---|---|",
        ]
        for r in self.rows:
            src = f"{self.status_zh[r.source]}（`{r.source}`）" if r.source else "（新记录）"
            who = "、".join(ACTOR_ZH[a] for a in r.actors)
            lines.append(
                f"| {src} | {self.action_zh[r.action]}（`{r.action}`） "
                f"| {self.status_zh[r.target]}（`{r.target}`） | {who} | `{r.audit}` |"
            )
        return "\n".join(lines)


P, F, C, A = Actor.PROVIDER, Actor.FIRM, Actor.CITY, Actor.ADMIN

PROVIDER = Machine(
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

VOUCHER = Machine(
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

# 三（二） names one responsible unit
RESPONSIBLE_UNIT = "市经信局"


def acts_as(p: Principal, record_: Any, machine: Machine, owner: int | None) -> set[Actor]:
    """Which actors `p` is for this provider or voucher; `owner` is the user id of the provider
    account concerned (the provider itself, or the voucher's provider)."""
    if p.role == "admin":
        return {A}
    if p.role == "city_officer" and RESPONSIBLE_UNIT in p.units:
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
) -> Row:
    status = None if new else obj.status
    row = machine.find(status, action)
    if row is None:
        now = machine.status_zh.get(status or "", status or "（新记录）")
        raise ApiError(
            409,
            "wrong_status",
            f"当前状态为“{now}”，不能{machine.action_zh.get(action, action)}",
            "status",
        )
    if not acts_as(p, obj, machine, owner) & set(row.actors):
        who = "、".join(ACTOR_ZH[a] for a in row.actors)
        raise forbidden(f"“{machine.action_zh[action]}”只能由{who}办理")
    return row


def allowed(p: Principal, obj: Any, machine: Machine, owner: int | None) -> list[tuple[str, str]]:
    mine = acts_as(p, obj, machine, owner)
    return [
        (r.action, machine.action_zh[r.action])
        for r in machine.rows
        if r.source == obj.status and mine & set(r.actors)
    ]


def move(
    db: Session,
    obj: Any,
    p: Principal,
    machine: Machine,
    action: str,
    snapshot: Any,
    owner: int | None,
    *,
    new: bool = False,
    note: str = "",
) -> Row:
    """Check, write the new status, audit (before/after snapshots and the note). The caller
    has locked the row (or added the new one) and commits."""
    row = check(p, obj, machine, action, owner, new=new)
    before = None if new else jsonable(snapshot(obj))
    obj.status = row.target
    db.flush()
    after = {**snapshot(obj), **({"note": note} if note else {})}
    record(db, p, row.audit, machine.entity, obj.id, before, after)
    return row
