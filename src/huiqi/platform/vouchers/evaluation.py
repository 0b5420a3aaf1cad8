"""企业“上云上平台”年度评估 of the pool's providers, and the 3.2.2 candidates it yields.

The score (0–100, integers, half-up) weighs what firms said and did with each provider's
vouchers of the year against the officer's own review. The policy text fixes no method, so
the weights are the platform's published evaluation method (the constants below), shown on the
pages and in the docs:

* firms' ratings after delivery: 40 points × average rating / 5 (no rating: 0);
* delivery: 30 points × vouchers delivered / vouchers taken (cancelled ones not counted);
* the officer's review score (0–100): 30 points × score / 100.

优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60, otherwise 不合格. A 不合格 provider leaves the pool
(暂停 or 移出, the officer chooses); a suspended provider rated 合格 or better may be restored.
A provider rated 优秀 is a candidate for 3.2.2: where its firm is on the platform the rating is
recorded as its recognition, and the firm applies for 3.2.2 through the applications service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.platform.applications.service import scope_query
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.models import Recognition
from huiqi.platform.errors import ApiError
from huiqi.platform.vouchers import lifecycle as lc
from huiqi.platform.vouchers import schemas as s
from huiqi.platform.vouchers.models import PoolProvider, ProviderEvaluation, Voucher
from huiqi.platform.vouchers.service import desk_unit, ensure_city, get_provider, provider_snapshot

RATING_POINTS, DELIVERY_POINTS, OFFICER_POINTS = 40, 30, 30
GRADE_FLOORS = (("excellent", 90), ("good", 75), ("pass", 60), ("fail", 0))
GRADE_ZH = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
EXCELLENT_KIND = "resource_pool_excellent"
DELIVERED = ("delivered", "redeemed", "settled")


def _share(points: int, num: int, den: int) -> int:
    """points × num / den, rounded half-up, in integers."""
    if den <= 0:
        return 0
    return (2 * points * num + den) // (2 * den)


def score_of(
    rating_sum: int, ratings: int, delivered: int, taken: int, officer: int
) -> tuple[int, str]:
    score = (
        _share(RATING_POINTS, rating_sum, 5 * ratings)
        + _share(DELIVERY_POINTS, delivered, taken)
        + _share(OFFICER_POINTS, officer, 100)
    )
    grade = next(g for g, floor in GRADE_FLOORS if score >= floor)
    return score, grade


def allowed_actions(grade: str, status: str) -> tuple[str, ...]:
    if grade == "fail":
        return ("suspend", "remove") if status in ("admitted", "suspended") else ()
    return ("keep", "reinstate") if status == "suspended" else ("keep",)


def evaluate(db: Session, p: Principal, data: s.EvaluationIn) -> ProviderEvaluation:
    ensure_city(p)
    pv = get_provider(db, p, data.provider_id, lock=True)
    if pv.status not in ("admitted", "suspended"):
        raise ApiError(
            409, "not_in_pool",
            f"服务商当前状态为“{lc.PROVIDER.status_zh[pv.status]}”，不参加年度评估", "provider_id",
        )  # fmt: skip
    vouchers = list(
        db.scalars(
            select(Voucher).where(
                Voucher.provider_id == pv.id, Voucher.year == data.year,
                Voucher.status != "cancelled",
            )
        )
    )  # fmt: skip
    rated = [v.rating for v in vouchers if v.rating is not None]
    delivered = sum(1 for v in vouchers if v.status in DELIVERED)
    score, grade = score_of(sum(rated), len(rated), delivered, len(vouchers), data.officer_score)
    options = allowed_actions(grade, pv.status)
    if data.pool_action not in options:
        zh = {"keep": "保留", "suspend": "暂停", "remove": "移出", "reinstate": "恢复"}
        raise ApiError(
            422, "pool_action",
            f"评估结果为{GRADE_ZH[grade]}（{score}分），资源池动态管理只能选择："
            + "、".join(zh[a] for a in options), "pool_action",
        )  # fmt: skip
    today = business_today()
    ev = ProviderEvaluation(
        provider_id=pv.id, year=data.year, ratings_count=len(rated), rating_sum=sum(rated),
        vouchers_count=len(vouchers), delivered_count=delivered,
        officer_score=data.officer_score, score=score, grade=grade,
        pool_action=data.pool_action, opinion=data.opinion, evaluated_by=p.username,
        evaluated_on=today,
    )  # fmt: skip
    db.add(ev)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise ApiError(
            409, "already_evaluated", f"该服务商{data.year}年度已评估，评估结果不可改写", "year"
        ) from None
    out = s.EvaluationOut.model_validate(ev).model_dump(mode="json")
    record(db, p, "pool.evaluation", "pool_provider", pv.id, None, out)
    if data.pool_action != "keep":
        pv.status_reason = f"{data.year}年度评估{GRADE_ZH[grade]}（{score}分）：{data.opinion}"
        lc.move(
            db, pv, p, lc.PROVIDER, data.pool_action, provider_snapshot, pv.user_id,
            note=pv.status_reason,
        )  # fmt: skip
    if grade == "excellent" and pv.enterprise_id is not None:
        _recognise(db, p, pv, data.year, today)
    db.commit()
    return ev


def _recognise(db: Session, p: Principal, pv: PoolProvider, year: int, day: dt.date) -> None:
    """The 优秀 rating on the provider's firm record: what 3.2.2's rules read."""
    rec = Recognition(
        enterprise_id=pv.enterprise_id, kind=EXCELLENT_KIND, granted_on=day,
        name=f"工业互联网产业生态供给资源池{year}年度评价优秀", authority=desk_unit(),
    )  # fmt: skip
    db.add(rec)
    db.flush()
    after = {"kind": rec.kind, "granted_on": day.isoformat(), "name": rec.name}
    record(db, p, "enterprise.recognition", "enterprise", pv.enterprise_id, None, after)


def list_evaluations(
    db: Session, p: Principal, year: int | None = None
) -> list[ProviderEvaluation]:
    ensure_city(p)
    q = select(ProviderEvaluation).order_by(ProviderEvaluation.year, ProviderEvaluation.id)
    if year is not None:
        q = q.where(ProviderEvaluation.year == year)
    return list(db.scalars(q))


def candidates(db: Session, p: Principal, year: int) -> list[dict[str, Any]]:
    """Providers rated 优秀 for `year`, with their 3.2.2 application where one exists."""
    ensure_city(p)
    rows = db.execute(
        select(ProviderEvaluation, PoolProvider)
        .join(PoolProvider, PoolProvider.id == ProviderEvaluation.provider_id)
        .where(ProviderEvaluation.year == year, ProviderEvaluation.grade == "excellent")
        .order_by(ProviderEvaluation.score.desc(), PoolProvider.id)
    )
    out = []
    for ev, pv in rows:
        app = None
        if pv.enterprise_id is not None:
            from huiqi.platform.applications.models import Application

            app = db.scalar(
                scope_query(p)
                .where(
                    Application.enterprise_id == pv.enterprise_id,
                    Application.measure_id == "3.2.2",
                )
                .order_by(Application.id.desc())
                .limit(1)
            )
        out.append(
            {
                "provider_id": pv.id, "provider_name": pv.name, "credit_code": pv.credit_code,
                "score": ev.score, "grade": ev.grade, "enterprise_id": pv.enterprise_id,
                "application_id": app.id if app else None,
                "application_status": app.status if app else None,
                "note": None if pv.enterprise_id is not None
                else "该服务商尚无企业档案：建档后可按 3.2.2 申报",
            }
        )  # fmt: skip
    return out
