"""A campaign's candidates in bulk: credit check and case JSON for thousands of firms from the
registry as the screen read it (screening.Registry), with no further query; and, to check the
screen's verdicts, the columnar evaluation of many cases at once.

Each case is built exactly as `engine.case_of_firm` builds one firm's case (same keys, same
values, same order of years, recognitions, projects and awards); tests/platform/
test_campaign_exact.py checks it for every firm of a small registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from huiqi.platform.campaigns.screening import Registry
from huiqi.platform.credit.service import get_parameter, months_before
from huiqi.rules.api import evaluate_cases
from huiqi.rules.case import parse_case
from huiqi.rules.evaluator import STATUS_NAMES
from huiqi.rules.money import fen_to_str
from huiqi.rules.policy import Policy


def blocked_by_credit(db: Session, today: dt.date, reg: Registry) -> set[int]:
    """Firms the credit check blocks (as `credit.service.check` decides for one firm): a
    serious discredit, or a penalty (a major one, unless any penalty blocks) decided within
    the look-back — that is, the firm's latest such penalty falls after its start."""
    if not get_parameter(db, "credit.block_enabled"):
        return set()
    months = int(get_parameter(db, "credit.penalty_months"))
    since = months_before(today, months)
    blocked = {e[0] for e in reg.enterprises if e[7] == "serious_discredit"}
    if months > 0:
        latest = (
            reg.last_penalty
            if get_parameter(db, "credit.block_any_penalty")
            else reg.last_major_penalty
        )
        blocked.update(eid for eid, day in latest.items() if day > since)
    return blocked


def cases_of(
    reg: Registry,
    ids: Iterable[int],
    fiscal_year: int,
    day: dt.date,
    readings: dict[str, Any] | None = None,
) -> dict[int, dict[str, Any]]:
    """enterprise id -> the case JSON `engine.case_of_firm` gives for it; `readings` are the
    platform's (`engine.platform_readings`, the same for every firm), read once by the caller."""
    want = set(ids)
    cases: dict[int, dict[str, Any]] = {}
    as_of = day.isoformat()
    for eid, code, name, district, industry, size, software, credit in reg.enterprises:
        if eid not in want:
            continue
        enterprise: dict[str, Any] = {
            "name": name,
            "credit_code": code,
            "district": district,
            "industry": industry,
            "size": size,
            "software_enterprise": software,
            "serious_discredit": credit == "serious_discredit",
        }
        if eid in reg.last_penalty:
            enterprise["last_penalty_date"] = reg.last_penalty[eid].isoformat()
        if eid in reg.last_major_penalty:
            enterprise["last_major_penalty_date"] = reg.last_major_penalty[eid].isoformat()
        cases[eid] = {
            "as_of": as_of,
            "fiscal_year": fiscal_year,
            "enterprise": enterprise,
            "annual": {},
            "recognitions": [],
            "projects": [],
            "prior_awards": [],
        }
    # the registry's rows in the order case_of_firm lists them: years ascending, the rest by id
    years: list[tuple[int, int, dict[str, str]]] = []
    for (eid, year, _, _), revenue, rd in zip(
        reg.figures, reg.revenue, reg.rd_expense, strict=True
    ):
        if eid in cases:
            figs = {}
            if revenue is not None:
                figs["revenue"] = revenue
            if rd is not None:
                figs["rd_expense"] = rd
            years.append((year, eid, figs))
    years.sort(key=lambda y: y[0])
    for year, eid, figs in years:
        cases[eid]["annual"][str(year)] = figs
    for _, eid, kind, level, granted_on, rname in sorted(
        (r for r in reg.recognitions if r[1] in cases), key=lambda r: r[0]
    ):
        cases[eid]["recognitions"].append(
            {
                "kind": kind,
                **({"level": level} if level is not None else {}),
                "date": granted_on.isoformat(),
                **({"name": rname} if rname else {}),
            }
        )
    for pid, eid, kind, pname, fields in sorted(
        (p for p in reg.projects if p[1] in cases), key=lambda p: p[0]
    ):
        item: dict[str, Any] = {"id": str(pid), "kind": kind, "name": pname}
        for key, value in (fields or {}).items():
            if key.endswith("_fen"):
                item[key[:-4]] = fen_to_str(value) if value is not None else None
            else:
                item[key] = value
        cases[eid]["projects"].append(item)
    for _, eid, measure, project, year, fen in sorted(
        (a for a in reg.awards if a[1] in cases), key=lambda a: a[0]
    ):
        cases[eid]["prior_awards"].append(
            {
                "measure": measure,
                "fiscal_year": year,
                "amount": fen_to_str(fen or 0),
                **({"project": str(project)} if project is not None else {}),
            }
        )
    if readings:
        for case in cases.values():
            case["readings"] = readings
    return cases


def evaluate_rows(
    policy: Policy, cases: Sequence[dict[str, Any]], measure_id: str, projects: Sequence[int | None]
) -> list[tuple[str, int | None]]:
    """(status, amount in fen when eligible) of `measure_id` for each case: what
    `engine.evaluate_measure` gives the case alone (the rules core's batch path answers each
    case as it would alone; tests/rules/test_batch.py), without building the explanation."""
    parsed = [parse_case(case, policy) for case in cases]  # raises InputError, as one case would
    out: list[tuple[str, int | None]] = []
    for ce, project_id in zip(evaluate_cases(policy, parsed, [measure_id]), projects, strict=True):
        want = str(project_id) if project_id is not None else None
        rows = [(ev, i) for ev, i in ce.rows() if ev.spec.id == measure_id]
        projects_of = [ev.frame.text("project")[i] for ev, i in rows]
        # the row evaluate_measure keeps: the project's, else the measure's first
        pick = next((k for k, p in enumerate(projects_of) if p == want), None)
        if pick is None and want is None and rows:
            pick = 0
        if pick is None:
            out.append(("ineligible", None))
            continue
        ev, i = rows[pick]
        status = STATUS_NAMES[int(ev.status[i])]
        out.append((status, int(ev.amount[i]) if status == "eligible" else None))
    return out
