"""A seeded city-scale fixture: N synthetic firms (with two years of figures, DCMM titles and
智能化改造 projects) and a year of applications spread over every status.

For benchmarks and load tests (`huiqi demo --scale N`), never for demo logins: the firms are
random but reproducible (same seed, same rows), their credit codes valid (GB 32100), amounts
integer fen. Rows go in with bulk inserts (PostgreSQL: COPY), so 100,000 firms take seconds.
scale_history.py adds what a year leaves behind the applications: review steps, 公示 batches,
payments, 免申即享 pushes and the audit trail. Only columns that exist since revision 0050 are
written (and a payment's district and measure where the database has them, since 0150), so
the fixture can fill a database migrated by an older version of the platform too (the page
benchmark compares commits on the same data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, false, text
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import SNAPSHOT_COLUMNS, Application, frozen_snapshot
from huiqi.platform.bulk_insert import insert_rows
from huiqi.platform.dashboard import rollup
from huiqi.policies import DEFAULT_POLICY_ID, load_policy
from huiqi.policies.districts import districts, region
from huiqi.rules.credit_code import make_credit_code


@dataclass(frozen=True)
class Places:
    """Where the fixture's firms are: the policy package's places (districts.yaml) as firms
    and registries commonly write them (an alias where the package gives one, as a registry
    extract would), the region's name, and the GB/T 2260 division of the city that issued
    their credit codes (a district's code with its last two digits 00)."""

    districts: tuple[str, ...]
    region: str
    division: str


@lru_cache(maxsize=4)
def places(policy_id: str = DEFAULT_POLICY_ID) -> Places:
    listed = districts(policy_id)
    names = tuple(d.aliases[0] if d.aliases else d.name for d in listed) or ("",)
    codes = [d.code for d in listed if d.code]
    division = codes[0][:4] + "00" if codes else "000000"
    return Places(names, region(policy_id), division)


INDUSTRIES = ("软件和信息技术服务业", "电子信息制造业", "智能制造", "数字内容", "互联网服务")
WAN = 10_000 * 100  # fen in one 万元
BEIJING = dt.timedelta(hours=8)  # UTC+8 all year


def code_of(i: int, policy_id: str = DEFAULT_POLICY_ID) -> str:
    return make_credit_code(f"91{places(policy_id).division}MA{i:07d}")


def _insert(db: Session, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from huiqi.platform.models import Base

    t = Base.metadata.tables[table]
    insert_rows(db, t, [dict(zip(columns, r, strict=True)) for r in rows])


def analyze(db: Session, *tables: str) -> None:
    """Fresh planner statistics for tables just filled in bulk (PostgreSQL; inside the
    transaction): without them the rollup's GROUP BY over the new rows is planned for empty
    tables, and nested loops over a million rows take minutes instead of seconds."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text(f"ANALYZE {', '.join(tables)}"))


def seed_registry(
    db: Session, n: int, *, seed: int = 2024, fiscal_year: int = 2023, penalties: bool = True
) -> int:
    """Add firms 1..n (credit codes from `code_of`); returns the first new enterprise id.
    About a third qualify for 2.6.1 in `fiscal_year`; with `penalties`, about 3% have an
    administrative penalty (a third of them major) between four years ago and last year. The
    caller commits."""
    rng = np.random.default_rng(seed)
    pg = db.get_bind().dialect.name == "postgresql"
    now = dt.datetime.now(dt.UTC)
    start = int(db.execute(text("SELECT coalesce(max(id), 0) FROM enterprises")).scalar_one()) + 1
    software = rng.random(n) < 0.55
    revenue = np.round(rng.lognormal(np.log(12_000_000), 0.9, n), -2).astype(np.int64)
    revenue_prev = (revenue / rng.uniform(0.8, 1.6, n)).round(-2).astype(np.int64)
    ratio = np.where(rng.random(n) < 0.8, rng.uniform(0.15, 0.3, n), rng.uniform(0.01, 0.14, n))
    rd = (revenue * ratio).round(-2).astype(np.int64)
    discredit = rng.random(n) < 0.01
    where = places()
    district = rng.integers(0, len(where.districts), n)
    industry = rng.integers(0, len(INDUSTRIES), n)
    size = rng.choice(np.array(["large", "medium", "small", "micro"]), n, p=[0.05, 0.2, 0.5, 0.25])
    ids = range(start, start + n)
    empty: dict[str, Any] = {}
    _insert(
        db, "enterprises",
        ["id", "credit_code", "name", "district", "industry", "size", "is_software",
         "credit_status", "extra", "created_at", "updated_at"],
        [
            (eid, code_of(eid), f"{where.region}规模测试企业{eid:07d}有限公司",
             where.districts[district[k]],
             INDUSTRIES[industry[k]], str(size[k]), bool(software[k]),
             "serious_discredit" if discredit[k] else "normal", empty, now, now)
            for k, eid in enumerate(ids)
        ],
    )  # fmt: skip
    figures: list[tuple[int, int, int, int | None, dict[str, Any]]] = []
    for k, eid in enumerate(ids):
        figures.append((eid, fiscal_year, int(revenue[k]) * 100, int(rd[k]) * 100, empty))
        figures.append((eid, fiscal_year - 1, int(revenue_prev[k]) * 100, None, empty))
    _insert(
        db, "annual_figures",
        ["enterprise_id", "year", "revenue_fen", "rd_expense_fen", "extra"], figures,
    )  # fmt: skip
    dcmm = np.flatnonzero(rng.random(n) < 0.08)
    levels = rng.integers(3, 6, len(dcmm))
    days = rng.integers(0, 300, len(dcmm))
    _insert(
        db, "recognitions",
        ["enterprise_id", "kind", "level", "name", "granted_on", "authority"],
        [
            (start + int(k), "dcmm", str(int(lv)), "", dt.date(fiscal_year, 1, 15)
             + dt.timedelta(days=int(d)), "")
            for k, lv, d in zip(dcmm, levels, days, strict=True)
        ],
    )  # fmt: skip
    smart = np.flatnonzero(rng.random(n) < 0.02)
    fields = ({
        "equipment_investment_fen": 800 * WAN, "productive_equipment_investment_fen": 600 * WAN,
        "rd_investment_fen": 100 * WAN, "construction_start": f"{fiscal_year - 1}-07-01",
        "construction_end": f"{fiscal_year}-12-31",
    })  # fmt: skip
    _insert(
        db, "projects", ["enterprise_id", "name", "kind", "fields"],
        [(start + int(k), "智能化改造项目", "smart_transformation", fields) for k in smart],
    )  # fmt: skip
    if penalties:
        fined = np.flatnonzero(rng.random(n) < 0.03)
        ago = rng.integers(200, 1500, len(fined))
        major = rng.random(len(fined)) < 0.33
        _insert(
            db, "penalties", ["enterprise_id", "decided_on", "major", "authority", "summary"],
            [
                (start + int(k), dt.date(fiscal_year + 1, 6, 30) - dt.timedelta(days=int(d)),
                 bool(m), f"{where.region}市场监督管理局", "规模测试数据")
                for k, d, m in zip(fined, ago, major, strict=True)
            ],
        )  # fmt: skip
    if pg:  # rows were given explicit ids: move the sequence past them
        db.execute(
            text("SELECT setval(pg_get_serial_sequence('enterprises', 'id'), :v)"),
            {"v": start + n - 1},
        )
    return start


# A year of applications: each status in roughly the share a real year would leave behind.
STATUS_SHARES = {
    "draft": 0.04, "candidate": 0.06, "declined": 0.02, "submitted": 0.10,
    "district_passed": 0.08, "expert_review": 0.02, "city_passed": 0.06, "returned": 0.03,
    "withdrawn": 0.02, "rejected": 0.07, "approved": 0.08, "in_notice": 0.05, "noticed": 0.07,
    "paid": 0.30,
}  # fmt: skip


@dataclass(frozen=True)
class FixtureEdition:
    """The policy the fixture's snapshots name: its id, and a version of the fixture's own."""

    id: str
    version: str


def fixture_measures(policy_id: str, most: int = 5) -> tuple[str, ...]:
    """The first `most` of the policy's enterprise-level measures with a computed amount: the
    fixture's applications are the firm's own (no project) with an amount, as theirs are."""
    measures = load_policy(policy_id).measures.values()
    chosen = [m.id for m in measures if m.level == "enterprise" and m.kind == "computed"]
    return tuple(chosen[:most])


@dataclass
class Seeded:
    """What the history writer needs of each seeded application, column by column."""

    ids: np.ndarray
    firms: np.ndarray
    measures: list[str]
    years: np.ndarray
    statuses: list[str]
    decided: list[int | None]
    submitted: list[dt.datetime]
    districts: list[str]


def seed_applications(
    db: Session, count: int, *, first_enterprise: int, firms: int, seed: int = 7,
    fiscal_year: int = 2023, policy_id: str = DEFAULT_POLICY_ID,
    policy_version: str = "scale-fixture",
) -> Seeded:  # fmt: skip
    """`count` applications over firms first_enterprise.., one per firm, measure and year, in
    every status, each routed to its firm's district. Their facts are a compact case, not a full
    profile: the fixture is for page and query timings. The caller commits."""
    rng = np.random.default_rng(seed)
    statuses = list(STATUS_SHARES)
    pick = rng.choice(len(statuses), count, p=np.array(list(STATUS_SHARES.values())))
    base = dt.datetime(fiscal_year + 1, 1, 5, 2, tzinfo=dt.UTC)
    seconds = rng.integers(0, 330 * 86400, count)
    amounts = rng.integers(1, 100, count) * WAN
    measures = fixture_measures(policy_id)
    per_firm = len(measures) * 3  # measures x three fiscal years
    if count > firms * per_firm:
        raise ValueError("more applications than distinct (firm, measure, year)")
    district_of: dict[int, str] = dict(
        db.execute(
            text("SELECT id, district FROM enterprises WHERE id >= :a AND id < :b"),
            {"a": first_enterprise, "b": first_enterprise + firms},
        ).all()
    )
    start = int(db.execute(text("SELECT coalesce(max(id), 0) FROM applications")).scalar_one())
    start += 1
    out = Seeded(np.arange(start, start + count), np.zeros(count, np.int64), [],
                 np.zeros(count, np.int64), [], [], [], [])  # fmt: skip
    rows = []
    policy = FixtureEdition(policy_id, policy_version)
    for k in range(count):
        firm = first_enterprise + k % firms
        slot = k // firms
        measure, year = measures[slot % len(measures)], fiscal_year - slot // len(measures)
        status = statuses[pick[k]]
        amount = int(amounts[k])
        decided = amount if status in ("approved", "in_notice", "noticed", "paid") else None
        when = base + dt.timedelta(seconds=int(seconds[k]))
        district = district_of.get(firm) or places(policy_id).districts[0]
        facts = {"fiscal_year": year, "enterprise": {"credit_code": code_of(firm)}}
        evaluation = {"policy": policy_id, "fiscal_year": year, "row": {"measure": measure}}
        sent = status != "draft"
        snapshot = frozen_snapshot(policy, facts, evaluation, "eligible", amount)
        rows.append(
            (start + k, firm, measure, year, None, 0, status,
             "campaign" if status in ("candidate", "declined") else "apply", None,
             *snapshot.values(), amount, decided,
             None, "", "scale", when, when if sent else None,
             (when + BEIJING).date() if sent else None, district, 1, when)
        )  # fmt: skip
        out.firms[k], out.years[k] = firm, year
        out.measures.append(measure)
        out.statuses.append(status)
        out.decided.append(decided)
        out.submitted.append(when)
        out.districts.append(district)
    _insert(
        db, "applications",
        ["id", "enterprise_id", "measure_id", "fiscal_year", "project_id", "project_key",
         "status", "source", "idempotency_key", *SNAPSHOT_COLUMNS, "requested_amount_fen",
         "decided_amount_fen", "decision_reason", "statement", "created_by", "submitted_at",
         "first_submitted_at", "application_date", "district", "version", "updated_at"],
        rows,
    )  # fmt: skip
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            text("SELECT setval(pg_get_serial_sequence('applications', 'id'), :v)"),
            {"v": start + count - 1},
        )
    analyze(db, "enterprises", "applications")
    rollup.apply_where(db, seeded_range(out))
    return out


def seeded_range(apps: Seeded) -> ColumnElement[bool]:
    """The seeded applications (consecutive ids), for the dashboard rollup's bulk updates."""
    if not len(apps.ids):
        return false()
    return Application.id.between(int(apps.ids[0]), int(apps.ids[-1]))
