"""A campaign's candidates in bulk: credit check, case JSON and evaluation for thousands of firms
with a handful of queries and one columnar evaluation per batch.

Each case is built exactly as `engine.case_of_firm` builds one firm's case (same keys, same
values, same order of years, recognitions and projects), and evaluated by the rules core's
batch path (`evaluate_cases`), whose answer for each case is the one a single evaluation gives
(tests/rules/test_batch.py; tests/platform/test_campaign_exact.py checks it again here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from huiqi.platform.applications.frozen import compact_evaluation
from huiqi.platform.applications.models import AWARDED, Application
from huiqi.platform.credit.service import get_parameter, months_before
from huiqi.platform.enterprises.models import (
    AnnualFigure,
    Enterprise,
    Penalty,
    Project,
    Recognition,
)
from huiqi.rules.api import evaluate_cases
from huiqi.rules.case import parse_case
from huiqi.rules.evaluator import STATUS_NAMES
from huiqi.rules.money import fen_to_str
from huiqi.rules.policy import Policy

CHUNK = 5000  # ids per IN (...) list: well under every driver's parameter limit


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def among(db: Session, column: Any, ids: Sequence[int]) -> Any:
    """`column IN ids`: on PostgreSQL as `= ANY(array)`, one parameter however many ids (no
    thousands of bound values to render, send and plan for each batch)."""
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def blocked_by_credit(db: Session, today: dt.date) -> set[int]:
    """Firms the credit check blocks (as `credit.service.check` decides for one firm)."""
    if not get_parameter(db, "credit.block_enabled"):
        return set()
    months = int(get_parameter(db, "credit.penalty_months"))
    since = months_before(today, months)
    blocked = set(
        db.scalars(select(Enterprise.id).where(Enterprise.credit_status == "serious_discredit"))
    )
    if months > 0:
        recent = select(Penalty.enterprise_id).where(Penalty.decided_on > since)
        if not get_parameter(db, "credit.block_any_penalty"):
            recent = recent.where(Penalty.major.is_(True))
        blocked.update(db.scalars(recent.distinct()))
    return blocked


def cases_of_firms(
    db: Session,
    ids: Sequence[int],
    fiscal_year: int,
    day: dt.date,
    readings: dict[str, Any] | None = None,
) -> dict[int, dict[str, Any]]:
    """enterprise id -> the case JSON `engine.case_of_firm` gives for it; `readings` are the
    platform's (`engine.platform_readings`, the same for every firm), read once by the caller."""
    out: dict[int, dict[str, Any]] = {}
    for part in chunks(sorted(set(ids))):
        out.update(_build_chunk(db, part, fiscal_year, day))
    if readings:
        for case in out.values():
            case["readings"] = readings
    return out


def _build_chunk(
    db: Session, ids: Sequence[int], fiscal_year: int, day: dt.date
) -> dict[int, dict[str, Any]]:
    last_penalty = dict(
        db.execute(
            select(Penalty.enterprise_id, func.max(Penalty.decided_on))
            .where(among(db, Penalty.enterprise_id, ids))
            .group_by(Penalty.enterprise_id)
        ).all()
    )
    last_major_penalty = dict(
        db.execute(
            select(Penalty.enterprise_id, func.max(Penalty.decided_on))
            .where(among(db, Penalty.enterprise_id, ids), Penalty.major.is_(True))
            .group_by(Penalty.enterprise_id)
        ).all()
    )
    cases: dict[int, dict[str, Any]] = {}
    for e in db.execute(
        select(
            Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.district,
            Enterprise.industry, Enterprise.size, Enterprise.is_software, Enterprise.credit_status,
        ).where(among(db, Enterprise.id, ids))
    ):  # fmt: skip
        enterprise: dict[str, Any] = {
            "name": e.name,
            "credit_code": e.credit_code,
            "district": e.district,
            "industry": e.industry,
            "size": e.size,
            "software_enterprise": e.is_software,
            "serious_discredit": e.credit_status == "serious_discredit",
        }
        if e.id in last_penalty:
            enterprise["last_penalty_date"] = last_penalty[e.id].isoformat()
        if e.id in last_major_penalty:
            enterprise["last_major_penalty_date"] = last_major_penalty[e.id].isoformat()
        cases[e.id] = {
            "as_of": day.isoformat(),
            "fiscal_year": fiscal_year,
            "enterprise": enterprise,
            "annual": {},
            "recognitions": [],
            "projects": [],
            "prior_awards": [],
        }
    for f in db.execute(
        select(
            AnnualFigure.enterprise_id, AnnualFigure.year, AnnualFigure.revenue_fen,
            AnnualFigure.rd_expense_fen,
        ).where(among(db, AnnualFigure.enterprise_id, ids)).order_by(AnnualFigure.year)
    ):  # fmt: skip
        figs = {}
        if f.revenue_fen is not None:
            figs["revenue"] = fen_to_str(f.revenue_fen)
        if f.rd_expense_fen is not None:
            figs["rd_expense"] = fen_to_str(f.rd_expense_fen)
        cases[f.enterprise_id]["annual"][str(f.year)] = figs
    for r in db.execute(
        select(
            Recognition.enterprise_id, Recognition.kind, Recognition.level,
            Recognition.granted_on, Recognition.name,
        ).where(among(db, Recognition.enterprise_id, ids)).order_by(Recognition.id)
    ):  # fmt: skip
        cases[r.enterprise_id]["recognitions"].append(
            {
                "kind": r.kind,
                **({"level": r.level} if r.level is not None else {}),
                "date": r.granted_on.isoformat(),
                **({"name": r.name} if r.name else {}),
            }
        )
    for pr in db.execute(
        select(Project.enterprise_id, Project.id, Project.kind, Project.name, Project.fields)
        .where(among(db, Project.enterprise_id, ids))
        .order_by(Project.id)
    ):
        item: dict[str, Any] = {"id": str(pr.id), "kind": pr.kind, "name": pr.name}
        for key, value in (pr.fields or {}).items():
            if key.endswith("_fen"):
                item[key[:-4]] = fen_to_str(value) if value is not None else None
            else:
                item[key] = value
        cases[pr.enterprise_id]["projects"].append(item)
    for a in db.execute(
        select(
            Application.enterprise_id, Application.measure_id, Application.fiscal_year,
            Application.decided_amount_fen, Application.project_id,
        ).where(among(db, Application.enterprise_id, ids), Application.status.in_(AWARDED))
        .order_by(Application.id)
    ):  # fmt: skip
        cases[a.enterprise_id]["prior_awards"].append(
            {
                "measure": a.measure_id,
                "fiscal_year": a.fiscal_year,
                "amount": fen_to_str(a.decided_amount_fen or 0),
                **({"project": str(a.project_id)} if a.project_id is not None else {}),
            }
        )
    return cases


def evaluate_rows(
    policy: Policy, cases: Sequence[dict[str, Any]], measure_id: str, projects: Sequence[int | None]
) -> list[tuple[str, int | None, dict[str, Any]]]:
    """(status, amount in fen, compact frozen evaluation) of `measure_id` for each case: the
    status and amount `engine.evaluate_measure` gives the case alone (the rules core's batch
    path answers each case as it would alone), without building the explanation, which is
    rebuilt from the frozen facts when the application is read (applications/frozen.py)."""
    parsed = [parse_case(case, policy) for case in cases]  # raises InputError, as one case would
    out: list[tuple[str, int | None, dict[str, Any]]] = []
    for ce, project_id in zip(evaluate_cases(policy, parsed, [measure_id]), projects, strict=True):
        want = str(project_id) if project_id is not None else None
        rows = [(ev, i) for ev, i in ce.rows() if ev.spec.id == measure_id]
        projects_of = [ev.frame.text("project")[i] for ev, i in rows]
        # the row evaluate_measure keeps: the project's, else the measure's first
        pick = next((k for k, p in enumerate(projects_of) if p == want), None)
        if pick is None and want is None and rows:
            pick = 0
        if pick is None:
            out.append(("ineligible", None, compact_evaluation(measure_id, project_id,
                                                                "ineligible", None)))  # fmt: skip
            continue
        ev, i = rows[pick]
        status = STATUS_NAMES[int(ev.status[i])]
        fen = int(ev.amount[i])
        amount = fen if status == "eligible" else None
        out.append((status, amount, compact_evaluation(measure_id, project_id, status,
                                                        fen_to_str(fen))))  # fmt: skip
    return out
