"""政策库: every clause with its original words, measures, tasks, caps, units; search + filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.clock import business_today
from huiqi.rules.policy import MeasureSpec, Policy
from huiqi.web.formatting import window_text
from huiqi.web.render import html_error, page, policy

router = APIRouter()

KIND_ZH = {"computed": "按公式计算", "discretionary": "择优/一事一议"}
LEVEL_ZH = {"enterprise": "按企业申报", "project": "按项目申报"}


def today() -> dt.date:

    return business_today()


def window(pol: Policy, day: dt.date) -> dict[str, Any]:
    start, end = pol.window_start, pol.window_end
    state, text = window_text(start, end, day)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "today": day.isoformat(),
        "state": state,
        "days_left": max((end - day).days, 0),
        "text": text,
    }


def measure_view(pol: Policy, m: MeasureSpec, day: dt.date) -> dict[str, Any]:
    # Caps are dated parameters: read them on the day shown, kept inside the window.
    when = min(max(day, pol.window_start), pol.window_end)
    cap = pol.cap_fen(m.id, when)
    return {
        "id": m.id,
        "title": m.title,
        "clause_ref": m.clause_ref,
        "words": m.words,
        "summary": m.summary,
        "kind": m.kind,
        "kind_zh": KIND_ZH.get(m.kind, m.kind),
        "level": m.level,
        "level_zh": LEVEL_ZH.get(m.level, m.level),
        "one_time": m.one_time,
        "cap_fen": cap,
        "support_type": m.support_type,
        "industries": list(m.industries),
        "units": list(m.units),
        "notes": m.notes,
    }


def facets(pol: Policy) -> dict[str, list[str]]:
    ms = pol.measures.values()
    units: list[str] = []
    for c in pol.clauses:
        units.extend(u for u in c.units if u not in units)
    return {
        "industries": sorted({i for m in ms for i in m.industries}),
        "support_types": sorted({m.support_type for m in ms}),
        "units": units,
    }


def _hit(q: str, *texts: str) -> bool:
    return any(q in t for t in texts)


def library_data(
    pol: Policy, day: dt.date, q: str = "", industry: str = "", support: str = "", unit: str = ""
) -> dict[str, Any]:
    q = q.strip()
    measure_filter = bool(industry or support)
    clauses = []
    for c in pol.clauses:
        if unit and unit not in c.units:
            continue
        ms = [measure_view(pol, pol.measures[i], day) for i in c.measure_ids if i in pol.measures]
        if industry:
            ms = [m for m in ms if industry in m["industries"]]
        if support:
            ms = [m for m in ms if m["support_type"] == support]
        tasks: list[dict[str, Any]] = [
            {"id": t.id, "title": t.title, "text": t.text, "units": list(t.units)}
            for t in pol.tasks
            if t.clause_id == c.id
        ]
        if measure_filter and not ms:
            continue
        if measure_filter:
            tasks = []  # a money filter asks about money; tasks would only be noise
        if q and not (
            _hit(q, c.title, c.text, c.section, c.ref)
            or any(_hit(q, m["title"], m["words"], m["summary"]) for m in ms)
            or any(_hit(q, t["title"], t["text"]) for t in tasks)
        ):
            continue
        clauses.append(
            {
                "id": c.id,
                "ref": c.ref,
                "section": c.section,
                "title": c.title,
                "text": c.text,
                "units": list(c.units),
                "measures": ms,
                "tasks": tasks,
            }
        )
    return {
        "policy": {
            "id": pol.id,
            "title": pol.title,
            "document_number": pol.document_number,
            "issuer": pol.issuer,
            "issued": pol.issued.isoformat(),
            "version": pol.version,
        },
        "window": window(pol, day),
        "filters": {"q": q, "industry": industry, "support": support, "unit": unit},
        "facets": facets(pol),
        "count": {
            "clauses": len(clauses),
            "measures": sum(len(c["measures"]) for c in clauses),
            "tasks": sum(len(c["tasks"]) for c in clauses),
        },
        "clauses": clauses,
    }


@router.get("/policy", summary="政策库")
def library(
    request: Request, q: str = "", industry: str = "", support: str = "", unit: str = ""
) -> Response:
    data = library_data(policy(), today(), q[:100], industry[:64], support[:64], unit[:64])
    return page(request, "library.html", data, title="政策库")


@router.get("/policy/measures/{measure_id}", summary="措施详情")
def measure_page(request: Request, measure_id: str) -> Response:
    pol = policy()
    m = pol.measures.get(measure_id)
    if m is None:
        return html_error(request, 404, f"政策中没有措施 {measure_id}")
    c = pol.clause(m.clause_id)
    data = {
        "measure": measure_view(pol, m, today()),
        "clause": {"id": c.id, "ref": c.ref, "title": c.title, "text": c.text},
        "window": window(pol, today()),
        "policy": {"title": pol.title, "document_number": pol.document_number},
    }
    return page(request, "measure.html", data, title=f"{m.id} {m.title}")
