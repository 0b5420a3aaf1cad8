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
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import AWARDED, Application
from huiqi.platform.bulk_insert import is_postgres
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


def money_texts(values: list[int | None]) -> list[str | None]:
    """`fen_to_str` of each amount (None kept): the common case inline, hundreds of thousands
    of figures per screen."""
    return [
        None if v is None else f"{v // 100}.{v % 100:02d}" if v >= 0 else fen_to_str(v)
        for v in values
    ]


def fetch(db: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows of `stmt` as plain tuples. On PostgreSQL through the driver's own cursor: the
    registry is read whole (hundreds of thousands of rows), and SQLAlchemy's row objects cost
    more than the query; psycopg already gives dates, booleans and JSON as Python values."""
    if is_postgres(db):
        compiled = stmt.compile(
            dialect=db.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        raw = db.connection().connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute(str(compiled), compiled.params)
            return list(cur.fetchall())
    return [tuple(r) for r in db.execute(stmt)]


@dataclass
class Registry:
    """The registry as read once for a campaign: the bulk screen's tables are made of it, and
    each candidate's case JSON is built from it (bulk.cases_of), with no second read."""

    # id, credit_code, name, district, industry, size, is_software, credit_status
    enterprises: list[tuple[Any, ...]]
    last_penalty: dict[int, dt.date]
    last_major_penalty: dict[int, dt.date]
    figures: list[tuple[Any, ...]]  # enterprise_id, year, revenue_fen, rd_expense_fen
    revenue: list[str | None]  # per figure row, as the case JSON gives it (yuan text)
    rd_expense: list[str | None]
    recognitions: list[tuple[Any, ...]]  # id, enterprise_id, kind, level, granted_on, name
    projects: list[tuple[Any, ...]]  # id, enterprise_id, kind, name, fields
    # applications awarded: id, enterprise_id, measure_id, project_id, fiscal_year, decided fen
    awards: list[tuple[Any, ...]]


def read_registry(db: Session) -> Registry:
    penalties = fetch(
        db,
        select(
            Penalty.enterprise_id,
            func.max(Penalty.decided_on),
            func.max(case((Penalty.major.is_(True), Penalty.decided_on))),
        ).group_by(Penalty.enterprise_id),
    )
    figures = fetch(
        db,
        select(
            AnnualFigure.enterprise_id, AnnualFigure.year, AnnualFigure.revenue_fen,
            AnnualFigure.rd_expense_fen,
        ),
    )  # fmt: skip
    return Registry(
        enterprises=fetch(
            db,
            select(
                Enterprise.id,
                Enterprise.credit_code,
                Enterprise.name,
                Enterprise.district,
                Enterprise.industry,
                Enterprise.size,
                Enterprise.is_software,
                Enterprise.credit_status,
            ).order_by(Enterprise.id),
        ),
        last_penalty={eid: last for eid, last, _ in penalties},
        last_major_penalty={eid: major for eid, _, major in penalties if major is not None},
        figures=figures,
        revenue=money_texts([f[2] for f in figures]),
        rd_expense=money_texts([f[3] for f in figures]),
        recognitions=fetch(
            db,
            select(
                Recognition.id,
                Recognition.enterprise_id,
                Recognition.kind,
                Recognition.level,
                Recognition.granted_on,
                Recognition.name,
            ),
        ),
        projects=fetch(
            db,
            select(Project.id, Project.enterprise_id, Project.kind, Project.name, Project.fields),
        ),
        awards=fetch(
            db,
            select(
                Application.id,
                Application.enterprise_id,
                Application.measure_id,
                Application.project_id,
                Application.fiscal_year,
                Application.decided_amount_fen,
            ).where(Application.status.in_(AWARDED)),
        ),
    )


def registry_tables(
    db: Session, policy: Policy, reg: Registry | None = None
) -> tuple[dict[str, pa.Table | None], dict[str, int]]:
    """(tables, credit_code -> enterprise id)."""
    if reg is None:
        reg = read_registry(db)
    ents = reg.enterprises
    ids = {e[1]: e[0] for e in ents}
    code_of = {eid: code for code, eid in ids.items()}
    enterprises = pa.table(
        {
            "credit_code": [e[1] for e in ents],
            "district": [e[3] for e in ents],
            "industry": [e[4] for e in ents],
            "size": [e[5] for e in ents],
            "software_enterprise": pa.array([bool(e[6]) for e in ents], pa.bool_()),
            "serious_discredit": pa.array([e[7] == "serious_discredit" for e in ents], pa.bool_()),
            "last_penalty_date": pa.array([reg.last_penalty.get(e[0]) for e in ents], pa.date32()),
            "last_major_penalty_date": pa.array(
                [reg.last_major_penalty.get(e[0]) for e in ents], pa.date32()
            ),
        }
    )
    figs = reg.figures
    annual = pa.table(
        {
            "credit_code": [code_of[f[0]] for f in figs],
            "year": pa.array([f[1] for f in figs], pa.int64()),
            "revenue": pa.array(reg.revenue, pa.string()),
            "rd_expense": pa.array(reg.rd_expense, pa.string()),
        }
    )
    recs = reg.recognitions
    recognitions = pa.table(
        {
            "credit_code": [code_of[r[1]] for r in recs],
            "kind": pa.array([r[2] for r in recs], pa.string()),
            "level": pa.array([r[3] for r in recs], pa.string()),
            "project": pa.array([None] * len(recs), pa.string()),
            "date": pa.array([r[4] for r in recs], pa.date32()),
        }
    )
    projects = _projects_table(policy, reg.projects, code_of)
    aw = reg.awards
    awards = pa.table(
        {
            "credit_code": [code_of[a[1]] for a in aw],
            "measure": pa.array([a[2] for a in aw], pa.string()),
            "project": pa.array([str(a[3]) if a[3] is not None else None for a in aw], pa.string()),
            "fiscal_year": pa.array([a[4] for a in aw], pa.int64()),
            "amount": pa.array(money_texts([a[5] or 0 for a in aw]), pa.string()),
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


def _projects_table(
    policy: Policy, rows: list[tuple[Any, ...]], code_of: dict[int, str]
) -> pa.Table:
    kinds: dict[str, str] = {}
    for fk in policy.project_kinds.values():
        kinds.update(fk.fields)
    cols: dict[str, Any] = {
        "credit_code": [code_of[r[1]] for r in rows],
        "id": pa.array([str(r[0]) for r in rows], pa.string()),
        "kind": pa.array([r[2] for r in rows], pa.string()),
    }
    for name, kind in kinds.items():
        key = name + "_fen" if kind == "money" else name
        values = [(r[4] or {}).get(key) for r in rows]
        if kind == "money":
            values = money_texts(values)
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
    n, out, _ = screen_registry(db, policy, measure_id, fiscal_year, as_of)
    return n, out


def screen_registry(
    db: Session, policy: Policy, measure_id: str, fiscal_year: int, as_of: dt.date
) -> tuple[int, list[Candidate], Registry]:
    """`screen`, and the registry as it read it (to build the candidates' cases from)."""
    reg = read_registry(db)
    tables, ids = registry_tables(db, policy, reg)
    ent_table = tables["enterprises"]
    assert ent_table is not None
    n = ent_table.num_rows
    if n == 0:
        return 0, [], reg
    part = load_part(policy, tables, as_of=as_of, fiscal_year=fiscal_year)
    spec = policy.measures[measure_id]
    res = evaluate_rows(policy, spec, measure_rows(policy, spec, part), part)
    codes = part.codes.to_pylist()
    out = []
    for i in np.flatnonzero((res.status == ELIGIBLE) & ~part.bad[res.case]):
        row = int(res.case[i])
        project = res.project[i]
        out.append(
            Candidate(ids[codes[row]], int(project) if project else None, int(res.amount[i]))
        )
    return n, out, reg
