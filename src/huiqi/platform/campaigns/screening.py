"""The registry on this platform as the six tables of the bulk screener (huiqi.screening), so a
免申即享 campaign screens every firm with the columnar engine in one pass instead of one case
at a time. Values are given exactly as the case JSON gives them (yuan as decimal text), so the
bulk and single-case paths read the same facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import AWARDED, Application
from huiqi.platform.enterprises.models import (
    AnnualFigure,
    Enterprise,
    Penalty,
    Project,
    Recognition,
)
from huiqi.rules.evaluator import ELIGIBLE
from huiqi.rules.money import fen_to_str
from huiqi.rules.policy import Policy
from huiqi.screening.registry import evaluate_rows, load_part, measure_rows


def _money(fen: int | None) -> str | None:
    return fen_to_str(fen) if fen is not None else None


def registry_tables(
    db: Session, policy: Policy
) -> tuple[dict[str, pa.Table | None], dict[str, int]]:
    """(tables, credit_code -> enterprise id)."""
    last_penalty = dict(
        db.execute(
            select(Penalty.enterprise_id, func.max(Penalty.decided_on)).group_by(
                Penalty.enterprise_id
            )
        ).all()
    )
    last_major_penalty = dict(
        db.execute(
            select(Penalty.enterprise_id, func.max(Penalty.decided_on))
            .where(Penalty.major.is_(True))
            .group_by(Penalty.enterprise_id)
        ).all()
    )
    ents = db.execute(
        select(
            Enterprise.id, Enterprise.credit_code, Enterprise.district, Enterprise.industry,
            Enterprise.size, Enterprise.is_software, Enterprise.credit_status,
        ).order_by(Enterprise.id)
    ).all()  # fmt: skip
    ids = {code: eid for eid, code, *_ in ents}
    code_of = {eid: code for code, eid in ids.items()}
    enterprises = pa.table(
        {
            "credit_code": [e[1] for e in ents],
            "district": [e[2] for e in ents],
            "industry": [e[3] for e in ents],
            "size": [e[4] for e in ents],
            "software_enterprise": pa.array([bool(e[5]) for e in ents], pa.bool_()),
            "serious_discredit": pa.array([e[6] == "serious_discredit" for e in ents], pa.bool_()),
            "last_penalty_date": pa.array([last_penalty.get(e[0]) for e in ents], pa.date32()),
            "last_major_penalty_date": pa.array(
                [last_major_penalty.get(e[0]) for e in ents], pa.date32()
            ),
        }
    )
    figs = db.execute(
        select(
            AnnualFigure.enterprise_id,
            AnnualFigure.year,
            AnnualFigure.revenue_fen,
            AnnualFigure.rd_expense_fen,
        )
    ).all()
    annual = pa.table(
        {
            "credit_code": [code_of[f[0]] for f in figs],
            "year": pa.array([f[1] for f in figs], pa.int64()),
            "revenue": pa.array([_money(f[2]) for f in figs], pa.string()),
            "rd_expense": pa.array([_money(f[3]) for f in figs], pa.string()),
        }
    )
    recs = db.execute(
        select(
            Recognition.enterprise_id, Recognition.kind, Recognition.level, Recognition.granted_on
        )
    ).all()
    recognitions = pa.table(
        {
            "credit_code": [code_of[r[0]] for r in recs],
            "kind": pa.array([r[1] for r in recs], pa.string()),
            "level": pa.array([r[2] for r in recs], pa.string()),
            "project": pa.array([None] * len(recs), pa.string()),
            "date": pa.array([r[3] for r in recs], pa.date32()),
        }
    )
    projects = _projects_table(db, policy, code_of)
    awards_rows = db.execute(
        select(
            Application.enterprise_id, Application.measure_id, Application.project_id,
            Application.fiscal_year, Application.decided_amount_fen,
        ).where(Application.status.in_(AWARDED))
    ).all()  # fmt: skip
    awards = pa.table(
        {
            "credit_code": [code_of[a[0]] for a in awards_rows],
            "measure": pa.array([a[1] for a in awards_rows], pa.string()),
            "project": pa.array(
                [str(a[2]) if a[2] is not None else None for a in awards_rows], pa.string()
            ),
            "fiscal_year": pa.array([a[3] for a in awards_rows], pa.int64()),
            "amount": pa.array([_money(a[4] or 0) for a in awards_rows], pa.string()),
        }
    )
    tables: dict[str, pa.Table | None] = {
        "enterprises": enterprises,
        "annual": annual,
        "recognitions": recognitions,
        "projects": projects,
        "awards": awards,
        "other_awards": None,
    }
    return tables, ids


_ARROW = {
    "money": pa.string(),
    "date": pa.string(),
    "flag": pa.bool_(),
    "integer": pa.int64(),
    "text": pa.string(),
}


def _projects_table(db: Session, policy: Policy, code_of: dict[int, str]) -> pa.Table:
    kinds: dict[str, str] = {}
    for fk in policy.project_kinds.values():
        kinds.update(fk.fields)
    rows = db.execute(select(Project.enterprise_id, Project.id, Project.kind, Project.fields)).all()
    cols: dict[str, Any] = {
        "credit_code": [code_of[r[0]] for r in rows],
        "id": pa.array([str(r[1]) for r in rows], pa.string()),
        "kind": pa.array([r[2] for r in rows], pa.string()),
    }
    for name, kind in kinds.items():
        key = name + "_fen" if kind == "money" else name
        values = [(r[3] or {}).get(key) for r in rows]
        if kind == "money":
            values = [_money(v) for v in values]
        cols[name] = pa.array(values, _ARROW.get(kind, pa.string()))
    return pa.table(cols)


@dataclass
class Candidate:
    enterprise_id: int
    project_id: int | None
    amount_fen: int


def screen(
    db: Session, policy: Policy, measure_id: str, fiscal_year: int, as_of: dt.date
) -> tuple[int, list[Candidate]]:
    """(firms screened, eligible candidates) for one measure, by the bulk engine."""
    tables, ids = registry_tables(db, policy)
    ent_table = tables["enterprises"]
    assert ent_table is not None
    n = ent_table.num_rows
    if n == 0:
        return 0, []
    part = load_part(policy, tables, as_of=as_of, fiscal_year=fiscal_year)
    spec = policy.measures[measure_id]
    res = evaluate_rows(policy, spec, measure_rows(policy, spec, part), part)
    codes = part.codes.to_pylist()
    out = []
    for i in np.flatnonzero((res.status == ELIGIBLE) & ~part.bad[res.case]):
        case = int(res.case[i])
        project = res.project[i]
        out.append(
            Candidate(ids[codes[case]], int(project) if project else None, int(res.amount[i]))
        )
    return n, out
