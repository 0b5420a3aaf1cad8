"""Analyst dashboard (budget use per measure / district / year, red at >= 90%, trend over time).
Read-only aggregates. Bulk screening (upload -> progress bar -> download) is in
screening_jobs.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.dashboard import service as figures
from huiqi.web.common import open_db
from huiqi.web.render import page
from huiqi.web.session import need

router = APIRouter(prefix="/analyst")


def dashboard_data(db: Any, fiscal_year: int | None, units: tuple[str, ...] = ()) -> dict[str, Any]:
    data = figures.dashboard(db, fiscal_year, units)
    points = data.pop("points")
    data["trend"] = {"points": points, "svg": _svg(points)}
    return data


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
def dashboard(request: Request, fiscal_year: str = "") -> Response:
    user = need(request, "analyst", "city_officer")
    fy = int(fiscal_year) if fiscal_year.isdigit() else None
    units = user.principal.units if user.role == "city_officer" else ()
    with open_db(request) as db:
        data = dashboard_data(db, fy, units)
    return page(request, "analyst.html", data, title="预算看板")
