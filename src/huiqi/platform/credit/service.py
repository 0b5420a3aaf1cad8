"""Credit screening, as the application guidelines do it (the policy text has none).

Application guidelines of support programmes (the reference policy's, Wuhan's, among them)
exclude firms on the 严重失信 list and firms with a *major* administrative penalty
(重大行政处罚) in the recent past; an ordinary penalty alone does not block unless
credit.block_any_penalty is switched on. The switch, the
look-back window (months) and that reading are runtime parameters an admin may change,
because they differ between guidelines. The rules engine applies the same rule to the same
facts (huiqi.rules.standard.credit_in_good_standing): a penalty exactly N months before the
claim date is outside the window. Every case the platform evaluates carries the current
parameters as the engine's readings (`credit_readings`, through engine.case_of_firm), so an
admin's change moves the gate and the engine together.
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
from huiqi.platform.policy import get_policy
from huiqi.rules.standard import CREDIT_SOURCE

DEFAULTS: dict[str, Any] = {
    "credit.block_enabled": True,
    "credit.penalty_months": 36,
    "credit.block_any_penalty": False,
    "review.expert_measures": None,  # the policy package's expert_measures (policy.yaml)
}


def default_of(key: str) -> Any:
    if key == "review.expert_measures":
        return list(get_policy().expert_measures)
    return DEFAULTS[key]


def get_parameter(db: Session, key: str) -> Any:
    row = db.get(PlatformParameter, key)
    return row.value if row is not None else default_of(key)


def set_parameter(db: Session, actor: Principal, key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise ApiError(422, "unknown_parameter", f"未知参数 {key}", "key")
    if key in ("credit.block_enabled", "credit.block_any_penalty") and not isinstance(value, bool):
        raise ApiError(422, "bool_type", "应为布尔值 true/false", "value")
    if key == "credit.penalty_months":
        choices = lookback_choices()
        if isinstance(value, bool) or not isinstance(value, int) or value not in choices:
            shown = "、".join(str(c) for c in choices)
            raise ApiError(
                422,
                "range",
                f"回溯月数应为 {shown} 之一（政策包读法 {LOOKBACK_READING} 的取值，"
                "申报与政策计算按同一读法）",
                "value",
            )
    if key == "review.expert_measures":
        known = get_policy().measures
        if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
            raise ApiError(422, "list_type", '应为措施编号数组，如 ["1.3.1"]', "value")
        unknown = [m for m in value if m not in known]
        if unknown:
            raise ApiError(422, "unknown_measure", f"政策中没有措施 {'、'.join(unknown)}", "value")
        value = sorted(set(value))
    row = db.get(PlatformParameter, key)
    before = row.value if row is not None else default_of(key)
    if row is None:
        db.add(PlatformParameter(key=key, value=value))
    else:
        row.value = value
    record(db, actor, "parameter.set", "parameter", key, {"value": before}, {"value": value})
    db.commit()


# The engine's readings that the platform's credit parameters decide. credit.block_enabled
# switches the whole check, so off means: no discredit block, no look-back, no penalty block.
DISCREDIT_READING = "credit.block_serious_discredit"
LOOKBACK_READING = "credit.major_penalty_lookback_months"
ANY_PENALTY_READING = "credit.block_any_penalty"


def lookback_choices() -> tuple[int, ...]:
    """The look-back months an admin may choose: the values the policy package names for its
    reading (default and alternatives), so every choice is one the engine can evaluate."""
    reading = get_policy().parameters.get(LOOKBACK_READING)
    if reading is None or not reading.interpretation:
        return tuple(range(0, 121))
    values = (*(v for _, v in reading.values), *reading.alternatives)
    return tuple(sorted({int(v) for v in values}, reverse=True))


def credit_readings(db: Session) -> dict[str, Any]:
    """The platform's current credit parameters as the engine's readings: the case the
    engine evaluates carries them, so the submission gate (`check`) and the engine's credit
    condition apply one rule whatever an admin sets."""
    enabled = bool(get_parameter(db, "credit.block_enabled"))
    return {
        DISCREDIT_READING: enabled,
        LOOKBACK_READING: int(get_parameter(db, "credit.penalty_months")) if enabled else 0,
        ANY_PENALTY_READING: enabled and bool(get_parameter(db, "credit.block_any_penalty")),
    }


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
