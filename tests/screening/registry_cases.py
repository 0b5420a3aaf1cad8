"""Test oracle helpers: registry tables -> one `huiqi evaluate` case per enterprise row, and
the bulk path's results keyed the same way, so the two paths can be compared to the fen; and a
dense, seeded random registry to compare them on.

Deliberately plain per-row Python: it must share nothing with the vectorised builders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from huiqi.policies import load_policy
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.policy import Policy
from huiqi.sandbox.population import credit_codes

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


POLICY = load_policy()
DAY0 = dt.date(2022, 6, 1)


def _money(rng: np.random.Generator, lo: int, hi: int, null: float = 0.1) -> Decimal | None:
    if rng.random() < null:
        return None
    fen = int(rng.integers(lo * 100, hi * 100 + 1))
    # some amounts land exactly on round numbers (thresholds are round)
    if rng.random() < 0.3:
        fen -= fen % 100_000_00
    return Decimal(fen) / 100


def _date(rng: np.random.Generator, null: float = 0.1) -> dt.date | None:
    if rng.random() < null:
        return None
    edges = [dt.date(2022, 6, 1), dt.date(2025, 5, 31), dt.date(2022, 5, 31), dt.date(2025, 6, 1)]
    if rng.random() < 0.2:
        return edges[int(rng.integers(0, 4))]
    return DAY0 + dt.timedelta(days=int(rng.integers(-400, 1500)))


def random_registry(seed: int, firms: int = 40) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    # registered in Wuhan (420111), provincially (420000: unknown without a district) or in
    # 北京市海淀区 (110108): the scope condition reads the code where no district is given
    divisions = rng.choice([420111, 420111, 420000, 110108], size=firms)
    codes = credit_codes(np.arange(firms, dtype=np.int64) + seed * 1000, divisions)
    codes_py = codes.to_pylist()
    ents, annual, recs, projects, awards, others = [], [], [], [], [], []
    measures = list(POLICY.measures)
    for code in codes_py:
        years = [2023] if rng.random() < 0.7 else [2023, 2024]
        for fy in years:
            as_of = rng.choice(["2024-06-30", "2025-05-31", "2025-06-01", "2023-01-15"])
            ents.append({
                "credit_code": code,
                "district": [None, "洪山区", "江岸区", "东湖高新区", "北京市海淀区", ""][
                    int(rng.integers(0, 6))
                ],
                "size": str(rng.choice(["micro", "small", "medium", "large"])),
                "software_enterprise": None if rng.random() < 0.05 else bool(rng.random() < 0.8),
                "serious_discredit": bool(rng.random() < 0.05),
                "last_penalty_date": _date(rng, 0.9),
                "last_major_penalty_date": _date(rng, 0.9),
                "as_of": dt.date.fromisoformat(str(as_of)),
                # fiscal_year left out = year(as_of) - 1, as the case parser reads it
                "fiscal_year": fy if len(years) > 1 or rng.random() < 0.8 else None,
            })  # fmt: skip
        for year in range(2021, 2026):
            if rng.random() < 0.8:
                revenue = _money(rng, 1_000_000, 80_000_000)
                annual.append({"credit_code": code, "year": year, "revenue": revenue,
                               "rd_expense": _money(rng, 0, 15_000_000)})  # fmt: skip
        project_ids = [f"P{i}" for i in range(int(rng.integers(0, 4)))]

        def some_project(share: float, ids: list[str] = project_ids) -> str | None:
            return str(rng.choice(ids)) if ids and rng.random() < share else None

        for pid in project_ids:
            kind = str(rng.choice(list(POLICY.project_kinds)))
            row = {"credit_code": code, "id": pid, "kind": kind}
            for name, ftype in POLICY.project_kinds[kind].fields.items():
                if ftype == "money":
                    row[name] = _money(rng, 0, 60_000_000)
                elif ftype == "date":
                    row[name] = _date(rng)
                elif ftype == "flag":
                    row[name] = bool(rng.random() < 0.7)
                elif ftype == "integer":
                    row[name] = int(rng.integers(0, 10_001)) if rng.random() < 0.9 else None
                else:
                    row[name] = str(rng.choice(["municipal", "provincial", "national", "district",
                                                "special_fund", "financing"]))  # fmt: skip
            projects.append(row)
        for _ in range(int(rng.integers(0, 6))):
            kind = str(rng.choice(list(POLICY.recognition_kinds)))
            levels = POLICY.recognition_kinds[kind].levels
            recs.append({
                "credit_code": code, "kind": kind,
                "level": str(rng.choice(levels)) if levels else None,
                "project": some_project(0.5),
                "date": _date(rng, 0.05),
            })  # fmt: skip
        for _ in range(int(rng.integers(0, 4))):
            awards.append({
                "credit_code": code, "measure": str(rng.choice(measures)),
                "project": some_project(0.6),
                "fiscal_year": int(rng.choice([2023, 2024])) if rng.random() < 0.7 else None,
                "amount": _money(rng, 0, 3_000_000, 0),
            })  # fmt: skip
        for _ in range(int(rng.integers(0, 4))):
            others.append({
                "credit_code": code, "policy": str(rng.choice(["区级政策甲", "区级政策乙"])),
                "measure": str(rng.choice(measures)),
                "project": some_project(0.6),
                "amount": Decimal(int(rng.choice([100_000, 500_000, 1_000_000, 2_000_000]))),
                "status": [None, "paid", "pending"][int(rng.integers(0, 3))],
            })  # fmt: skip
    money = pa.decimal128(18, 2)

    def table(rows: list[dict], types: dict[str, pa.DataType]) -> pa.Table:
        names = sorted({k for r in rows for k in r})
        schema = pa.schema([(k, types.get(k, pa.string())) for k in names])
        return pa.Table.from_pylist(rows, schema=schema)

    types = {k: money for k, t in _field_types().items() if t == "money"}
    types.update({k: pa.date32() for k, t in _field_types().items() if t == "date"})
    types.update({k: pa.bool_() for k, t in _field_types().items() if t == "flag"})
    types.update({k: pa.int64() for k, t in _field_types().items() if t == "integer"})
    types.update(year=pa.int32(), fiscal_year=pa.int32(), amount=money, revenue=money,
                 rd_expense=money, date=pa.date32(), as_of=pa.date32(),
                 last_penalty_date=pa.date32(), last_major_penalty_date=pa.date32(),
                 software_enterprise=pa.bool_(),
                 serious_discredit=pa.bool_())  # fmt: skip
    return {
        "enterprises": table(ents, types), "annual": table(annual, types),
        "recognitions": table(recs, types), "projects": table(projects, types),
        "awards": table(awards, types), "other_awards": table(others, types),
    }  # fmt: skip


def _field_types() -> dict[str, str]:
    out: dict[str, str] = {}
    for fk in POLICY.project_kinds.values():
        out.update(fk.fields)
    return out
