"""政策计算器: figures in (full-width digits, 万元, 亿 welcome), every measure out with amount, why
and the gap to the ones missed. Logged-in firms start from their 一企一档 and can turn a result
into a draft application."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.rules.api import evaluate_case_json
from huiqi.rules.errors import InputError
from huiqi.rules.explain import is_trivial, summary
from huiqi.rules.policy import Policy
from huiqi.web.calc_form import (
    case_from_form,
    default_dates,
    errors_for_form,
    form_from_case,
    form_spec,
)
from huiqi.web.common import live_claims
from huiqi.web.deps import MaybeUser, PageDb
from huiqi.web.library import KIND_ZH, today
from huiqi.web.render import ENGINE_ZH, Redraw, page, policy, yuan_to_fen
from huiqi.web.session import WebUser

router = APIRouter()


def _group(row: dict[str, Any]) -> str:
    if row["status"] == "eligible" and (yuan_to_fen(row["amount"]) or 0) > 0:
        return "eligible"
    if row["status"] == "discretionary":
        return "discretionary"
    if row["status"] == "excluded":
        return "excluded"
    if row.get("only_missing", False):
        return "missing"  # nothing about the subject yet: the firm may qualify once it tells us
    return "ineligible"


def _reason(c: dict[str, Any]) -> dict[str, Any]:
    state = "unknown" if not c["known"] else ("pass" if c["passed"] else "fail")
    return {"passed": c["passed"], "known": c["known"], "state": state, "text": c["detail"]}


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if all("amount_basis" in r for r in rows):
        return summary(rows)
    return {"lines": []}


def result_view(pol: Policy, result: dict[str, Any]) -> dict[str, Any]:
    """The engine's result regrouped for people: what you get, what is close, what needs facts."""
    groups: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("eligible", "discretionary", "ineligible", "excluded", "missing")
    }
    for row in result["results"]:
        m = pol.measures[row["measure"]]
        calc = row.get("calculation") or {}
        groups[_group(row)].append(
            {
                "measure": row["measure"],
                "title": row["title"],
                "project": row.get("project"),
                "status": row["status"],
                "amount_fen": yuan_to_fen(row["amount"]),
                "cap_fen": yuan_to_fen(row.get("cap")),
                "kind": row["kind"],
                "kind_zh": KIND_ZH.get(row["kind"], row["kind"]),
                "clause": row["clause"],
                "clause_words": row["clause_words"],
                "units": row["units"],
                "summary": m.summary,
                # rows stored before explanations were added lack these: shown plainly
                "headline": row.get("headline") or ENGINE_ZH.get(row["status"], row["status"]),
                "amount_basis": row.get("amount_basis"),
                "amount_words": row.get("amount_words"),
                "discretionary_reason": row.get("discretionary_reason"),
                "missing": row.get("missing", []),
                # conditions that only say a figure was given are left out
                "reasons": [_reason(c) for c in row["conditions"] if not is_trivial(c)],
                "unknown": [
                    {"key": c.get("key", ""), "label": c.get("label") or c["detail"]}
                    for c in row["conditions"]
                    if not c["known"]
                ],
                "gaps": row["gaps"],
                "joint_gap": row.get("joint_gap"),
                "basis": calc.get("basis"),
                "prior_paid_fen": yuan_to_fen(calc.get("prior_paid")),
                "excluded_by": row.get("excluded_by"),
                "supersedes": row.get("supersedes"),
            }
        )
    total = sum(r["amount_fen"] or 0 for r in groups["eligible"])
    return {
        "as_of": result["as_of"],
        "fiscal_year": result["fiscal_year"],
        "total_fen": total,
        "summary": result.get("summary") or _summary(result["results"]),
        "groups": groups,
        "counts": {k: len(v) for k, v in groups.items()},
    }


def _render(
    request: Request,
    user: WebUser | None,
    db: PageDb,
    form: dict[str, Any],
    *,
    result: dict[str, Any] | None = None,
    case: dict[str, Any] | None = None,
    redraw: Redraw | None = None,
    source: str = "blank",
) -> Response:
    pol = policy()
    data = {
        "policy": {"title": pol.title, "document_number": pol.document_number},
        "spec": form_spec(pol),
        "input": form,
        "source": source,
        "case": case,
        "result": result,
        "can_apply": bool(user and user.role == "enterprise"),
        "claims": claims_of(db, user, result),
        "missing_facts": missing_facts(result, bool(user and user.role == "enterprise")),
    }
    return page(
        request,
        "calculator.html",
        data,
        title="政策计算器",
        redraw=redraw,
    )


def claims_of(db: PageDb, user: WebUser | None, result: dict[str, Any] | None) -> dict[str, Any]:
    """The firm's live claims of the result's year by measure (enterprise-level claims), so a
    result links to the claim already made instead of offering to apply again."""
    if result is None or not (user and user.role == "enterprise" and user.principal.enterprise_id):
        return {}
    return live_claims(db, user.principal.enterprise_id, int(result["fiscal_year"]))


# Where a missing fact is added: the calculator's fieldset, or the 一企一档 section.
FACT_PLACES = {
    "basic": ("基本信息", "#fs-basic", "/enterprise#basic"),
    "figures": ("年度财务数据", "#fs-figures", "/enterprise#fig"),
    "recognitions": ("认定、认证与资质", "#fs-recognitions", "/enterprise#rec"),
    "projects": ("项目", "#fs-projects", "/enterprise#rec"),
}


def fact_place(key: str) -> str:
    if key.startswith("recognition"):
        return "recognitions"
    if key in ("size", "software_enterprise", "industry", "district", "serious_discredit"):
        return "basic"
    if "revenue" in key or key.startswith("rd_") or key in ("employees", "tax"):
        return "figures"
    return "projects"


def missing_facts(result: dict[str, Any] | None, firm: bool) -> list[dict[str, Any]]:
    """Each measure that needs more facts, the facts in Chinese and where to add them."""
    if result is None:
        return []
    out = []
    for r in result["groups"]["missing"]:
        places: dict[str, list[str]] = {}
        for c in r["unknown"]:
            places.setdefault(fact_place(c["key"]), []).append(c["label"])
        out.append(
            {
                "measure": r["measure"],
                "title": r["title"],
                "project": r["project"],
                # the engine's own questions (如已获评…，请补充认定日期), then where to answer them
                "questions": r.get("missing", []),
                "facts": [
                    {
                        "labels": labels,
                        "place": FACT_PLACES[place][0],
                        "href": FACT_PLACES[place][2 if firm else 1],
                    }
                    for place, labels in places.items()
                ],
            }
        )
    return out


@router.get("/calculator", summary="政策计算器")
def calculator_form(request: Request, user: MaybeUser, db: PageDb, prefill: str = "") -> Response:
    pol = policy()
    as_of, fy = default_dates(pol, today())
    form: dict[str, Any] = {"as_of": as_of, "fiscal_year": fy, "size": "small"}
    source = "blank"
    if prefill == "profile" and user and user.principal.enterprise_id:
        # "Forms filled in from data already held": start from the firm's 一企一档.
        from huiqi.platform.engine import case_of_firm
        from huiqi.platform.enterprises.service import get_visible

        ent = get_visible(db, user.principal, user.principal.enterprise_id)
        # the latest year the firm has figures for; the platform picks a matching as_of
        years = [f.year for f in ent.figures if f.revenue_fen is not None]
        form = form_from_case(case_of_firm(db, ent, max(years) if years else fy))
        source = "profile"
    return _render(request, user, db, form, source=source)


@router.post("/calculator", summary="政策计算器：测算")
async def calculator_run(request: Request, user: MaybeUser, db: PageDb) -> Response:
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    try:
        case, paths = case_from_form(form)
    except InputError as exc:
        return _render(request, user, db, form, redraw=Redraw(errors_for_form(exc, {}), form))
    try:
        result = evaluate_case_json(policy(), case)
    except InputError as exc:
        redraw = Redraw(errors_for_form(exc, paths), form)
        return _render(request, user, db, form, redraw=redraw, case=case)
    return _render(request, user, db, form, result=result_view(policy(), result), case=case)
