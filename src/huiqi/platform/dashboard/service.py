"""Dashboard figures (budget use per measure / district / year, red at >= 90%, trend by month).

Every figure is read from the rollup table `dashboard_counts` (dashboard/rollup.py), kept
current in the transaction of every application write, so the page reads a few hundred rows
whatever the number of applications; Python adds them up and draws the chart.
Amounts are integer fen; months are Beijing months.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import AWARDED
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.budgets.service import pool_out
from huiqi.platform.dashboard.rollup import DashboardCount
from huiqi.platform.policy import get_policy

WARN = 90


def _pct(part: int, whole: int) -> int:
    return part * 100 // whole if whole else 0


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


def _year(fiscal_year: int | None) -> ColumnElement[bool]:
    return DashboardCount.fiscal_year == fiscal_year if fiscal_year else true()


def by_district(
    db: Session, fiscal_year: int | None, years: dict[int, dict[str, int]]
) -> list[dict[str, Any]]:
    """Awarded amount and count per (district of the firm, fiscal year). Districts hold no pool
    of their own: their bar is their share of the year's budget."""
    c = DashboardCount
    q = (
        select(c.district, c.fiscal_year, func.sum(c.amount_fen), func.sum(c.applications))
        .where(c.status.in_(AWARDED))
        .group_by(c.fiscal_year, c.district)
        .having(func.sum(c.applications) > 0)
        .order_by(c.fiscal_year, c.district)
        .where(_year(fiscal_year))
    )
    out = []
    for district, fy, summed, n in db.execute(q):
        amount = int(summed or 0)
        total = years.get(fy, {}).get("total_fen", 0)
        pct = _pct(amount, total)
        out.append(
            {
                "district": district,
                "fiscal_year": fy,
                "committed_fen": amount,
                "applications": int(n),
                "budget_fen": total,
                "used_percent": pct,
                "hot": pct >= WARN,
            }
        )
    return out


def status_counts(db: Session) -> dict[str, int]:
    """Applications per status (the rollup never holds the firms' private drafts)."""
    c = DashboardCount
    q = select(c.status, func.sum(c.applications)).group_by(c.status)
    return {s: int(n) for s, n in db.execute(q) if n}


def monthly_committed(db: Session, fiscal_year: int | None) -> dict[str, int]:
    """Awarded amount by Beijing month of the latest approval. Only applications still awarded
    count: a decision undone by an objection during 公示 released its budget."""
    c = DashboardCount
    q = (
        select(c.approved_month, func.sum(c.amount_fen))
        .where(c.status.in_(AWARDED), c.approved_month != "")
        .group_by(c.approved_month)
        .having(func.sum(c.applications) > 0)
        .where(_year(fiscal_year))
    )
    return {m: int(v or 0) for m, v in db.execute(q)}


def monthly_submitted(db: Session, fiscal_year: int | None) -> dict[str, int]:
    c = DashboardCount
    q = (
        select(c.submitted_month, func.sum(c.applications))
        .group_by(c.submitted_month)
        .having(func.sum(c.applications) > 0)
        .where(_year(fiscal_year))
    )
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
