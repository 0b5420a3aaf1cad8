"""Test oracle helpers: registry tables -> one `huiqi evaluate` case per enterprise row, and
the bulk path's results keyed the same way, so the two paths can be compared to the fen.

Deliberately plain per-row Python: it must share nothing with the vectorised builders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa

from huiqi.rules.api import evaluate_case_json
from huiqi.rules.policy import Policy

ENTERPRISE_KEYS = (
    "credit_code", "name", "district", "industry", "size", "software_enterprise",
    "serious_discredit", "last_penalty_date", "last_major_penalty_date",
)  # fmt: skip


def _plain(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def _rows(table: pa.Table | None) -> list[dict[str, Any]]:
    return (
        [] if table is None else [{k: _plain(v) for k, v in r.items()} for r in table.to_pylist()]
    )


def cases_from_tables(
    tables: dict[str, pa.Table | None], as_of: str | None = None, fiscal_year: int | None = None
) -> list[dict[str, Any]]:
    """One case JSON per enterprise row, child rows in table order."""
    by_code: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in ("annual", "recognitions", "projects", "awards", "other_awards"):
        for r in _rows(tables.get(name)):
            by_code.setdefault(r["credit_code"], {}).setdefault(name, []).append(r)
    cases = []
    for ent in _rows(tables["enterprises"]):
        kids = by_code.get(ent["credit_code"], {})
        case: dict[str, Any] = {
            "as_of": ent.get("as_of") or as_of,
            "enterprise": {k: ent[k] for k in ENTERPRISE_KEYS if ent.get(k) is not None},
        }
        fy = ent.get("fiscal_year", fiscal_year)
        if fy is not None:
            case["fiscal_year"] = fy
        case["annual"] = {
            str(a["year"]): {k: a[k] for k in ("revenue", "rd_expense") if a.get(k) is not None}
            for a in kids.get("annual", [])
        }
        case["recognitions"] = [
            {k: r[k] for k in ("kind", "level", "project", "date") if r.get(k) is not None}
            for r in kids.get("recognitions", [])
        ]
        case["projects"] = [
            {k: v for k, v in p.items() if v is not None and k != "credit_code"}
            for p in kids.get("projects", [])
        ]
        case["prior_awards"] = [
            {
                k: a[k]
                for k in ("measure", "project", "fiscal_year", "amount")
                if a.get(k) is not None
            }
            for a in kids.get("awards", [])
        ]
        case["other_policy_awards"] = [
            {
                k: a[k]
                for k in ("policy", "measure", "project", "amount", "status")
                if a.get(k) is not None
            }
            for a in kids.get("other_awards", [])
        ]
        cases.append(case)
    return cases


def single_results(policy: Policy, case: dict[str, Any]) -> dict[tuple[str, Any], tuple[str, int]]:
    out = {}
    for r in evaluate_case_json(policy, case)["results"]:
        out[(r["measure"], r["project"])] = (r["status"], int(Decimal(r["amount"]) * 100))
    return out
