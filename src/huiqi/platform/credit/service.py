"""Credit screening, as the application guidelines do it (the policy text has none).

Application guidelines of Wuhan support programmes exclude firms on the 严重失信 list and firms
with a *major* administrative penalty (重大行政处罚) in the recent past; an ordinary penalty
alone does not block unless credit.block_any_penalty is switched on. The switch, the
look-back window (months) and that reading are runtime parameters an admin may change,
because they differ between guidelines. The rules engine applies the same rule to the same
facts (huiqi.rules.standard.credit_in_good_standing): a penalty exactly N months before the
claim date is outside the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.credit.models import PlatformParameter
from huiqi.platform.enterprises.models import Enterprise, Penalty
from huiqi.platform.errors import ApiError
from huiqi.platform.policy import DEFAULT_EXPERT_MEASURES, get_policy
from huiqi.rules.standard import CREDIT_SOURCE

DEFAULTS: dict[str, Any] = {
    "credit.block_enabled": True,
    "credit.penalty_months": 36,
    "credit.block_any_penalty": False,
    "review.expert_measures": DEFAULT_EXPERT_MEASURES,
}


def get_parameter(db: Session, key: str) -> Any:
    row = db.get(PlatformParameter, key)
    return row.value if row is not None else DEFAULTS[key]


def set_parameter(db: Session, actor: Principal, key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise ApiError(422, "unknown_parameter", f"未知参数 {key}", "key")
    if key in ("credit.block_enabled", "credit.block_any_penalty") and not isinstance(value, bool):
        raise ApiError(422, "bool_type", "应为布尔值 true/false", "value")
    if key == "credit.penalty_months" and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120
    ):
        raise ApiError(422, "range", "回溯月数应为 0–120 的整数", "value")
    if key == "review.expert_measures":
        known = get_policy().measures
        if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
            raise ApiError(422, "list_type", '应为措施编号数组，如 ["1.3.1"]', "value")
        unknown = [m for m in value if m not in known]
        if unknown:
            raise ApiError(422, "unknown_measure", f"政策中没有措施 {'、'.join(unknown)}", "value")
        value = sorted(set(value))
    row = db.get(PlatformParameter, key)
    before = row.value if row is not None else DEFAULTS[key]
    if row is None:
        db.add(PlatformParameter(key=key, value=value))
    else:
        row.value = value
    record(db, actor, "parameter.set", "parameter", key, {"value": before}, {"value": value})
    db.commit()


def months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    # clamp the day (e.g. 31 March minus one month -> 28/29 February)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class CreditCheck:
    blocked: bool
    reasons: list[str]


def check(db: Session, ent: Enterprise, as_of: dt.date | None = None) -> CreditCheck:
    if not get_parameter(db, "credit.block_enabled"):
        return CreditCheck(False, [])
    today = as_of or business_today()
    reasons = []
    if ent.credit_status == "serious_discredit":
        reasons.append(f"企业被列入严重失信主体名单，不予支持（{CREDIT_SOURCE}）")
    months = int(get_parameter(db, "credit.penalty_months"))
    any_penalty = bool(get_parameter(db, "credit.block_any_penalty"))
    since = months_before(today, months)
    query = select(Penalty).where(Penalty.enterprise_id == ent.id, Penalty.decided_on > since)
    if not any_penalty:
        query = query.where(Penalty.major.is_(True))
    recent = db.scalars(query.order_by(Penalty.decided_on.desc())).first()
    if months > 0 and recent is not None:
        what = "重大行政处罚" if recent.major else "行政处罚（平台参数：任何行政处罚都拦截）"
        reasons.append(
            f"企业近 {months} 个月内受到{what}（{recent.decided_on.isoformat()}，"
            f"{recent.authority or '处罚机关未填'}），不予支持（{CREDIT_SOURCE}）"
        )
    return CreditCheck(bool(reasons), reasons)


def ensure_not_blocked(db: Session, ent: Enterprise) -> None:
    res = check(db, ent)
    if res.blocked:
        raise ApiError(422, "credit_blocked", "；".join(res.reasons), "enterprise_id")
