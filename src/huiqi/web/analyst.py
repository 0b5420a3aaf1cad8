"""Analyst dashboard (budget use per measure / district / year, red at >= 90%, trend over time).
Read-only aggregates. Bulk screening (upload -> progress bar -> download) is in
screening_jobs.py."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from huiqi.platform.applications.models import AWARDED, Application
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.budgets.service import pool_out
from huiqi.platform.clock import to_beijing
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.reviews.models import ReviewStep
from huiqi.web.deps import PageDb, require_page
from huiqi.web.render import page, policy
from huiqi.web.session import WebUser

router = APIRouter(prefix="/analyst")
DashboardUser = Annotated[WebUser, Depends(require_page("analyst", "city_officer"))]
WARN = 90


def _pct(part: int, whole: int) -> int:
    return part * 100 // whole if whole else 0


def dashboard_data(db: Any, fiscal_year: int | None, units: tuple[str, ...] = ()) -> dict[str, Any]:
    pol = policy()
    q = select(BudgetPool).order_by(BudgetPool.fiscal_year, BudgetPool.measure_id)
    if fiscal_year:
        q = q.where(BudgetPool.fiscal_year == fiscal_year)
    if units:  # a city officer sees the pools of the measures their units administer
        mids = [m.id for m in pol.measures.values() if set(m.units) & set(units)]
        q = q.where(BudgetPool.measure_id.in_(mids))
    pools = [pool_out(p).model_dump() for p in db.scalars(q)]
    for p in pools:
        p["title"] = pol.measures[p["measure_id"]].title if p["measure_id"] in pol.measures else ""
        p["hot"] = p["used_percent"] >= WARN
    years: dict[int, dict[str, int]] = defaultdict(
        lambda: {"total_fen": 0, "committed_fen": 0, "paid_fen": 0}
    )
    for p in pools:
        for k in ("total_fen", "committed_fen", "paid_fen"):
            years[p["fiscal_year"]][k] += p[k]
    by_year = [
        {
            "fiscal_year": y,
            **v,
            "used_percent": _pct(v["committed_fen"], v["total_fen"]),
            "hot": _pct(v["committed_fen"], v["total_fen"]) >= WARN,
        }
        for y, v in sorted(years.items())
    ]
    # Districts hold no pool of their own: their bar is their share of the year's budget.
    aq = (
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
        aq = aq.where(Application.fiscal_year == fiscal_year)
    by_district = []
    for district, fy, amount, n in db.execute(aq):
        total = years.get(fy, {}).get("total_fen", 0)
        pct = _pct(int(amount), total)
        by_district.append(
            {
                "district": district,
                "fiscal_year": fy,
                "committed_fen": int(amount),
                "applications": n,
                "budget_fen": total,
                "used_percent": pct,
                "hot": pct >= WARN,
            }
        )
    return {
        "fiscal_year": fiscal_year,
        "pools": pools,
        "by_year": by_year,
        "by_district": by_district,
        "trend": trend(db, fiscal_year),
        "warnings": [p for p in pools if p["hot"]],
        "status_counts": {
            s: n
            for s, n in db.execute(
                select(Application.status, func.count())
                .where(Application.status != "draft")  # firms' unsent drafts are private
                .group_by(Application.status)
            )
        },
    }


def trend(db: Any, fiscal_year: int | None) -> dict[str, Any]:
    """Cumulative committed amount by month of decision, plus applications per month.

    Only applications still awarded count, dated by their latest approval: a decision undone by
    an objection during 公示 released its budget, so it must not stay in the curve either."""
    q = (
        select(Application.id, Application.decided_amount_fen, func.max(ReviewStep.created_at))
        .join(ReviewStep, ReviewStep.application_id == Application.id)
        .where(
            Application.status.in_(AWARDED),
            ReviewStep.stage == "decision",
            ReviewStep.outcome == "approve",
        )
        .group_by(Application.id, Application.decided_amount_fen)
    )
    if fiscal_year:
        q = q.where(Application.fiscal_year == fiscal_year)
    monthly: dict[str, int] = defaultdict(int)
    for _id, amount, when in db.execute(q):
        monthly[to_beijing(when).strftime("%Y-%m")] += int(amount or 0)  # Beijing's month
    sq = select(Application.submitted_at).where(Application.status != "draft")
    if fiscal_year:
        sq = sq.where(Application.fiscal_year == fiscal_year)
    submitted: dict[str, int] = defaultdict(int)
    for (when,) in db.execute(sq):
        submitted[to_beijing(when).strftime("%Y-%m")] += 1
    months = sorted(set(monthly) | set(submitted))
    points, running = [], 0
    for m in months:
        running += monthly.get(m, 0)
        points.append(
            {
                "month": m,
                "committed_fen": monthly.get(m, 0),
                "cumulative_fen": running,
                "submitted": submitted.get(m, 0),
            }
        )
    return {"points": points, "svg": _svg(points)}


def _svg(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Coordinates for a small inline SVG line chart (no chart library to vendor)."""
    w, h, pad = 600, 220, 40
    if not points:
        return {"w": w, "h": h, "line": "", "dots": []}
    top = max(p["cumulative_fen"] for p in points) or 1
    n = len(points)
    dots = []
    for i, p in enumerate(points):
        x = pad + (w - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = h - pad - (h - 2 * pad) * p["cumulative_fen"] / top
        dots.append(
            {"x": round(x, 1), "y": round(y, 1), "month": p["month"], "value": p["cumulative_fen"]}
        )
    return {
        "w": w,
        "h": h,
        "pad": pad,
        "top_fen": top,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
    }


@router.get("", summary="预算看板")
def dashboard(request: Request, user: DashboardUser, db: PageDb, fiscal_year: str = "") -> Response:
    fy = int(fiscal_year) if fiscal_year.isdigit() else None
    units = user.principal.units if user.role == "city_officer" else ()
    data = dashboard_data(db, fy, units)
    data["years"] = sorted(set(db.scalars(select(BudgetPool.fiscal_year))))
    return page(request, "analyst.html", data, title="预算看板")
