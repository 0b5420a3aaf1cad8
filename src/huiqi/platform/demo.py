"""Demo data for every role (idempotent). Logins are listed in docs/platform.md.

Dates sit inside the policy's window (2022-06-01..2025-05-31): fiscal year 2023, as of mid-2024.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import SYSTEM, Principal, create_user, demo_hash
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.enterprises.models import (
    AnnualFigure,
    Enterprise,
    Penalty,
    Project,
    Recognition,
)
from huiqi.platform.materials.service import Submission, Upload, requirements
from huiqi.platform.payments.models import PaymentShare
from huiqi.platform.policy import demo_data
from huiqi.platform.tasks.service import seed_tasks
from huiqi.rules.credit_code import make_credit_code

DEMO_PASSWORD = "demo123"
DEMO_YEAR = 2023
# The demo clock (HUIQI_TODAY) `huiqi serve` sets unless one is given: inside the window, in the
# year fiscal-year-2023 claims are made.
DEMO_TODAY = "2024-06-15"
WAN = 10_000 * 100  # fen per 万元


def fen(row: Mapping[str, Any]) -> dict[str, Any]:
    """A demo.yaml row with its amounts in fen: `x_wan: 800` -> `x_fen: 800 万元 in fen`."""
    return {
        (k[: -len("_wan")] + "_fen" if k.endswith("_wan") else k): (
            int(v) * WAN if k.endswith("_wan") else fen(v) if isinstance(v, Mapping) else v
        )
        for k, v in row.items()
    }


_DEMO = demo_data()
# (username, role, display name, extra) — enterprise users get their firm below
DEMO_USERS: list[tuple[str, str, str, dict[str, object]]] = [
    (u["username"], u["role"], u["name"], {k: u[k] for k in ("district", "units") if k in u})
    for u in _DEMO.get("users", [])
]
DEMO_BUDGETS_WAN: dict[str, int] = dict(_DEMO.get("budgets_wan", {}))
DEMO_SHARES: dict[str, int] = dict(_DEMO.get("payment_shares", {}))

_ROWS: dict[str, type[AnnualFigure | Recognition | Project | Penalty]] = {
    "figures": AnnualFigure,
    "recognitions": Recognition,
    "projects": Project,
    "penalties": Penalty,
}


def _firm_rows() -> list[tuple[str, Enterprise, Callable[[int], list[object]]]]:
    """Each demo firm (its account, the firm, a function giving its 一企一档 rows), from the
    policy package's demo.yaml."""
    out: list[tuple[str, Enterprise, Callable[[int], list[object]]]] = []
    for spec in _DEMO.get("firms", []):
        fields = {k: v for k, v in spec.items() if k != "account" and k not in _ROWS}
        fields["credit_code"] = make_credit_code(str(fields["credit_code"]))
        rows = {kind: [fen(r) for r in spec.get(kind, [])] for kind in _ROWS}

        def of(eid: int, rows: dict[str, list[dict[str, Any]]] = rows) -> list[object]:
            return [_ROWS[kind](enterprise_id=eid, **r) for kind in _ROWS for r in rows[kind]]

        out.append((str(spec["account"]), Enterprise(**fields), of))
    return out


def _firms(db: Session) -> tuple[dict[str, Enterprise], list[str]]:
    """The demo firms by account, creating the missing ones (with their rows): (firms, names
    created).

    An existing firm is left exactly as it is: its figures may have been edited on purpose."""
    firms: dict[str, Enterprise] = {}
    added = []
    for account, firm, rows in _firm_rows():
        have = db.scalar(select(Enterprise).where(Enterprise.credit_code == firm.credit_code))
        if have is None:
            db.add(firm)
            db.flush()
            db.add_all(rows(firm.id))
            have = firm
            added.append(firm.name)
        firms[account] = have
    return firms, added


def seed(db: Session) -> bool:
    """Add whatever demo data is missing: users, firms, budgets, shares, tasks.

    Idempotent row by row, so a database seeded by an older version gains what was added since
    (e.g. the expert accounts) and a second run adds nothing. Existing rows are never changed:
    a demo user's password or a firm's figures may have been edited on purpose. False when
    nothing was missing.
    """
    firms, firms_added = _firms(db)
    firm_of = {account: firm.id for account, firm in firms.items()}
    have_users = set(db.scalars(select(User.username)))
    pw: str | None = None
    users_added = []
    for username, role, name, extra in DEMO_USERS:
        if username in have_users:
            continue
        pw = pw or demo_hash(DEMO_PASSWORD)  # argon2 is slow: hash once, only when needed
        create_user(
            db,
            username,
            DEMO_PASSWORD,
            role,
            display_name=name,
            enterprise_id=firm_of.get(username),
            district=cast("str | None", extra.get("district")),
            units=cast("list[str] | None", extra.get("units")),
            password_hash=pw,
        )
        users_added.append(username)
    have_pools = set(
        db.scalars(select(BudgetPool.measure_id).where(BudgetPool.fiscal_year == DEMO_YEAR))
    )
    pools_added = [mid for mid in DEMO_BUDGETS_WAN if mid not in have_pools]
    for mid in pools_added:
        pool = BudgetPool(
            measure_id=mid,
            fiscal_year=DEMO_YEAR,
            total_fen=DEMO_BUDGETS_WAN[mid] * WAN,
            committed_fen=0,
            paid_fen=0,
        )
        db.add(pool)
        db.flush()
        # the same entry as an admin's budget.set: `huiqi audit verify` reconciles every total
        after = {"measure_id": mid, "fiscal_year": DEMO_YEAR, "total_fen": pool.total_fen}
        record(db, SYSTEM, "budget.set", "budget_pool", pool.id, None, after)
    shares_added = [mid for mid in DEMO_SHARES if db.get(PaymentShare, mid) is None]
    for mid in shares_added:
        db.add(PaymentShare(measure_id=mid, city_percent=DEMO_SHARES[mid]))
    tasks_added = seed_tasks(db)
    rounds_added = seed_rounds(db)
    added = {
        "users": users_added,
        "enterprises": firms_added,
        "budgets": pools_added,
        "payment_shares": shares_added,
        "tasks": tasks_added,
        "rounds": rounds_added,
    }
    if not any(added.values()):
        db.rollback()
        return False
    record(db, SYSTEM, "demo.seed", "platform", "demo", None, added)
    db.commit()
    return True


def sample_pdf(line: str) -> bytes:
    """A one-page PDF saying what it stands for: the demo's stand-in for a scanned document."""
    text = line.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 16 Tf 72 760 Td ({text}) Tj ET".encode("ascii", "replace")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream
        + b"\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )  # fmt: skip


def demo_materials(measure_id: str) -> Submission:
    """The required documents of a measure as sample PDFs, and the commitment confirmed: what a
    demo firm would have uploaded and ticked itself on the application form."""
    uploads = [
        Upload(r.kind, f"{r.name}（演示样本）.pdf", sample_pdf(f"huiqi demo {measure_id} {r.kind}"))
        for r in requirements(measure_id)
        if r.required
    ]
    return Submission(uploads=uploads, commitment_confirmed=True)


def seed_rounds(db: Session) -> list[str]:
    """Open a 申报批次 for every measure for the demo year, from the business date to the end of
    the policy's window, when no round exists yet and the business date lies inside the window
    (so only on a demo clock: a live deployment opens its own rounds)."""
    from huiqi.platform.applications.models import ApplicationRound
    from huiqi.platform.clock import business_today
    from huiqi.platform.policy import get_policy

    pol = get_policy()
    today = business_today()
    if not pol.window_start <= today <= pol.window_end:
        return []
    if db.scalar(select(ApplicationRound.id).limit(1)) is not None:
        return []
    added = []
    for spec in pol.measures.values():
        db.add(
            ApplicationRound(
                measure_id=spec.id, fiscal_year=DEMO_YEAR,
                title=f"{spec.id} {spec.title}（{DEMO_YEAR} 年度，演示批次）",
                opens_on=today, closes_on=pol.window_end, opened_by=SYSTEM.username,
            )
        )  # fmt: skip
        added.append(spec.id)
    return added


def seed_applications(db: Session) -> bool:
    """A few applications in flight, so every officer and expert has work on a first start of
    `huiqi serve` (tests start from an empty registry of applications instead).

    They go through the same services a firm and an officer use (snapshot, engine figure,
    audit), never straight into the tables. False when applications already exist.
    """
    from huiqi.platform.applications.models import Application

    if db.scalar(select(Application.id).limit(1)) is not None:
        return False
    firms = list(db.scalars(select(Enterprise).order_by(Enterprise.id)).all())[:3]
    if len(firms) < 2:
        return False
    from huiqi.platform.applications.schemas import ApplicationIn
    from huiqi.platform.applications.service import submit
    from huiqi.platform.experts.service import assign
    from huiqi.platform.reviews.schemas import CityReviewIn, ReviewIn
    from huiqi.platform.reviews.service import city_review, district_review

    def principal(username: str) -> Principal:
        user = db.scalars(select(User).where(User.username == username)).one()
        return Principal.of(user)

    def apply(
        firm: Principal,
        ent: Enterprise,
        measure_id: str,
        statement: str,
        requested_fen: int | None = None,
        project_id: int | None = None,
    ) -> Application:
        data = ApplicationIn(
            enterprise_id=ent.id,
            measure_id=measure_id,
            fiscal_year=DEMO_YEAR,
            project_id=project_id,
            requested_amount_fen=requested_fen,
            statement=statement,
        )
        return submit(db, firm, data, None, demo_materials(measure_id))[0]

    software, maker = firms[0], firms[1]
    firm1, firm2 = principal("enterprise1"), principal("enterprise2")
    # 东湖高新区: a computed and a discretionary claim waiting for district first review
    apply(firm1, software, "2.6.1", "2023 年度研发补助")
    apply(firm1, software, "1.3.1", "标识解析二级节点：接入企业 320 家", 150 * WAN)
    # 江岸区: a project claim already through district review, waiting for the city re-check
    project = db.scalars(select(Project).where(Project.enterprise_id == maker.id)).first()
    if project is not None:
        app = apply(firm2, maker, "3.1.1", "总装车间智能化改造", project_id=project.id)
        district_review(
            db,
            principal("district_ja"),
            app.id,
            ReviewIn(outcome="pass", opinion="材料齐全，设备发票已核"),
        )
    # 江岸区: a discretionary 1.3.1 claim through district and city review, waiting for the
    # expert step (1.3.1 is on review.expert_measures) with expert1 invited, so the expert's
    # queue is not empty either. Same services as the pages: snapshot, audit chain and all.
    statement = "标识解析（智能装备行业）二级节点：接入企业 180 家，标识注册量 2600 万"
    node = apply(firm2, maker, "1.3.1", statement, 120 * WAN)
    district_review(
        db, principal("district_ja"), node.id, ReviewIn(outcome="pass", opinion="节点运营材料齐全")
    )
    city = principal("city_jx")
    city_review(db, city, node.id, CityReviewIn(outcome="pass", opinion="复核通过，送专家评审"))
    expert1 = principal("expert1")
    assign(db, city, node.id, [expert1.user_id])
    seed_challenges(db, city)
    return True


def seed_challenges(db: Session, city: Principal) -> bool:
    """One 揭榜挂帅 batch with two open tasks, published by 市经信局 through the board's
    service (audited like a real publication), so the public board is not empty."""
    from huiqi.platform.challenges.models import ChallengeBatch
    from huiqi.platform.challenges.schemas import BatchIn, TaskIn
    from huiqi.platform.challenges.service import publish_batch
    from huiqi.platform.clock import business_today

    if db.scalar(select(ChallengeBatch.id).limit(1)) is not None:
        return False
    today = business_today()
    deadline = today + dt.timedelta(days=int(_DEMO.get("challenge_deadline_days", 60)))
    tasks = [TaskIn(**fen(t), deadline=deadline) for t in _DEMO.get("challenge_tasks", [])]
    if not tasks:
        return False
    title = f"{today.year}年度数字经济应用场景揭榜挂帅榜单（演示）"
    publish_batch(db, city, BatchIn(year=today.year, title=title, tasks=tasks))
    return True
