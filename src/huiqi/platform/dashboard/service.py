"""Dashboard figures (budget use per measure / district / year, red at >= 90%, trend by month).

Every figure is an aggregate the database computes (GROUP BY), so the page reads a few dozen
result rows whatever the number of applications; Python only adds up the per-pool rows and
draws the chart. Amounts are integer fen; months are Beijing months.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import AWARDED, Application
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.budgets.service import pool_out
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.policy import get_policy
from huiqi.platform.reviews.models import ReviewStep

WARN = 90


def _pct(part: int, whole: int) -> int:
    return part * 100 // whole if whole else 0


def beijing_month(db: Session, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a UTC timestamp column in Beijing time (UTC+8 all year, no summer time)."""
    if db.get_bind().dialect.name == "postgresql":
        local = func.timezone(literal_column("'Asia/Shanghai'"), column)
        return func.to_char(local, literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", column, "+8 hours")


def pools(db: Session, fiscal_year: int | None, units: tuple[str, ...]) -> list[dict[str, Any]]:
    pol = get_policy()
    q = select(BudgetPool).order_by(BudgetPool.fiscal_year, BudgetPool.measure_id)
    if fiscal_year:
        q = q.where(BudgetPool.fiscal_year == fiscal_year)
    if units:  # a city officer sees the pools of the measures their units administer
        mids = [m.id for m in pol.measures.values() if set(m.units) & set(units)]
        q = q.where(BudgetPool.measure_id.in_(mids))
    out = [pool_out(p).model_dump() for p in db.scalars(q)]
    for p in out:
        p["title"] = pol.measures[p["measure_id"]].title if p["measure_id"] in pol.measures else ""
        p["hot"] = p["used_percent"] >= WARN
    return out


def by_year(pool_rows: list[dict[str, Any]]) -> dict[int, dict[str, int]]:
    years: dict[int, dict[str, int]] = defaultdict(
        lambda: {"total_fen": 0, "committed_fen": 0, "paid_fen": 0}
    )
    for p in pool_rows:
        for k in ("total_fen", "committed_fen", "paid_fen"):
            years[p["fiscal_year"]][k] += p[k]
    return dict(sorted(years.items()))


def by_district(
    db: Session, fiscal_year: int | None, years: dict[int, dict[str, int]]
) -> list[dict[str, Any]]:
    """Awarded amount and count per (district of the firm, fiscal year). Districts hold no pool
    of their own: their bar is their share of the year's budget."""
    q = (
        select(
            Enterprise.district,
            Application.fiscal_year,
            func.coalesce(func.sum(Application.decided_amount_fen), 0),
            func.count(),
        )
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .where(Application.status.in_(AWARDED))
        .group_by(Enterprise.district, Application.fiscal_year)
        .order_by(Application.fiscal_year, Enterprise.district)
    )
    if fiscal_year:
        q = q.where(Application.fiscal_year == fiscal_year)
    out = []
    for district, fy, summed, n in db.execute(q):
        amount = int(summed or 0)  # coalesce()d in SQL; typed nullable by the column
        total = years.get(fy, {}).get("total_fen", 0)
        pct = _pct(amount, total)
        out.append(
            {
                "district": district,
                "fiscal_year": fy,
                "committed_fen": amount,
                "applications": n,
                "budget_fen": total,
                "used_percent": pct,
                "hot": pct >= WARN,
            }
        )
    return out


def status_counts(db: Session) -> dict[str, int]:
    q = (
        select(Application.status, func.count())
        .where(Application.status != "draft")  # firms' unsent drafts are private
        .group_by(Application.status)
    )
    return {s: int(n) for s, n in db.execute(q)}


def monthly_committed(db: Session, fiscal_year: int | None) -> dict[str, int]:
    """Awarded amount by Beijing month of the latest approval. Only applications still awarded
    count: a decision undone by an objection during 公示 released its budget."""
    latest = (
        select(
            Application.decided_amount_fen.label("amount"),
            func.max(ReviewStep.created_at).label("at"),
        )
        .join(ReviewStep, ReviewStep.application_id == Application.id)
        .where(
            Application.status.in_(AWARDED),
            ReviewStep.stage == "decision",
            ReviewStep.outcome == "approve",
        )
        .group_by(Application.id, Application.decided_amount_fen)
    )
    if fiscal_year:
        latest = latest.where(Application.fiscal_year == fiscal_year)
    sub = latest.subquery()
    month = beijing_month(db, sub.c.at)
    q = select(month, func.coalesce(func.sum(sub.c.amount), 0)).group_by(month)
    return {m: int(v) for m, v in db.execute(q)}


def monthly_submitted(db: Session, fiscal_year: int | None) -> dict[str, int]:
    month = beijing_month(db, Application.submitted_at)
    q = select(month, func.count()).where(Application.status != "draft").group_by(month)
    if fiscal_year:
        q = q.where(Application.fiscal_year == fiscal_year)
    return {m: int(n) for m, n in db.execute(q)}


def trend(db: Session, fiscal_year: int | None) -> list[dict[str, Any]]:
    """Cumulative committed amount by month of decision, plus applications per month."""
    monthly = monthly_committed(db, fiscal_year)
    submitted = monthly_submitted(db, fiscal_year)
    points, running = [], 0
    for m in sorted(set(monthly) | set(submitted)):
        running += monthly.get(m, 0)
        points.append(
            {
                "month": m,
                "committed_fen": monthly.get(m, 0),
                "cumulative_fen": running,
                "submitted": submitted.get(m, 0),
            }
        )
    return points


def dashboard(db: Session, fiscal_year: int | None, units: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything the dashboard shows except the chart's drawing."""
    pool_rows = pools(db, fiscal_year, units)
    years = by_year(pool_rows)
    year_rows = []
    for y, v in years.items():
        pct = _pct(v["committed_fen"], v["total_fen"])
        year_rows.append({"fiscal_year": y, **v, "used_percent": pct, "hot": pct >= WARN})
    return {
        "fiscal_year": fiscal_year,
        "pools": pool_rows,
        "by_year": year_rows,
        "by_district": by_district(db, fiscal_year, years),
        "points": trend(db, fiscal_year),
        "warnings": [p for p in pool_rows if p["hot"]],
        "status_counts": status_counts(db),
        "years": sorted(set(db.scalars(select(BudgetPool.fiscal_year)))),
    }
