"""What a year of work leaves behind the scale fixture's applications (scale.py): the review
steps of every stage each one passed, the decisions, 公示 batches with their items, payments,
免申即享 campaigns with their pushes, and an audit trail whose hash chain and money reconcile
(`huiqi audit verify` passes).

Everything is derived from the applications' statuses, in bulk (COPY on PostgreSQL): the audit
chain is hashed in memory the way audit.service.record_many does, then the head row is moved
and signed once. Budget pools of the seeded measures and years get the committed and paid sums
of the awarded applications (derived figures; the audited pool totals are left as they are).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import Application
from huiqi.platform.audit.anchor import head_mac
from huiqi.platform.audit.models import AuditHead
from huiqi.platform.audit.service import GENESIS, entry_hash
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.dashboard import rollup
from huiqi.platform.payments import totals as payment_totals
from huiqi.platform.payments.models import Payment
from huiqi.platform.scale import WAN, Seeded, _insert, analyze, seeded_range

DAY = dt.timedelta(days=1)
PASSED_DISTRICT = {"district_passed", "expert_review", "city_passed", "approved", "rejected",
                   "in_notice", "noticed", "paid"}  # fmt: skip
PASSED_CITY = {"city_passed", "approved", "in_notice", "noticed", "paid"}
AWARDED = {"approved", "in_notice", "noticed", "paid"}
NOTICED = {"in_notice", "noticed", "paid"}
# the action of each status's last step, as the lifecycle table names it in the trail
LAST_ACTION = {
    "draft": "application.save_draft", "candidate": "campaign.offer",
    "declined": "campaign.decline", "submitted": "application.submit",
    "district_passed": "review.district", "expert_review": "review.city",
    "city_passed": "review.city", "returned": "review.return",
    "withdrawn": "application.withdraw", "rejected": "review.decision",
    "approved": "review.decision", "in_notice": "notice.list", "noticed": "notice.passed",
    "paid": "application.paid",
}  # fmt: skip
CHUNK = 100_000


def _chunks(rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i : i + CHUNK]


def _next_id(db: Session, table: str) -> int:
    return int(db.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()) + 1


def _columns(db: Session, table: str) -> set[str]:
    """The columns `table` has in the database (which may be at an older revision)."""
    return {c["name"] for c in inspect(db.connection()).get_columns(table)}


def _move_sequence(db: Session, table: str, last: int) -> None:
    if db.get_bind().dialect.name == "postgresql" and last > 0:
        db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :v)"), {"v": last})


def _insert_chunked(db: Session, table: str, columns: list[str], rows: list[Any]) -> None:
    for part in _chunks(rows):
        _insert(db, table, columns, part)


def seed_history(db: Session, apps: Seeded, *, actor: str = "scale") -> dict[str, int]:
    """Write the history of the seeded applications; returns how many rows went into each
    table. The caller commits."""
    steps: list[tuple[Any, ...]] = []
    for k, status in enumerate(apps.statuses):
        app_id, when = int(apps.ids[k]), apps.submitted[k]
        if status in PASSED_DISTRICT:
            steps.append((app_id, "district", "pass", "", actor, {}, when + 3 * DAY))
        if status in PASSED_CITY:
            steps.append((app_id, "city", "pass", "", actor, {}, when + 10 * DAY))
        if status == "rejected":
            steps.append((app_id, "decision", "reject", "不符合条件", actor, {}, when + 20 * DAY))
        elif status in AWARDED:
            steps.append((app_id, "decision", "approve", "", actor, {}, when + 20 * DAY))
    # the decisions give awarded applications their month of approval: retract their rollup
    # buckets, write the steps, add them back with the month
    awarded = seeded_range(apps) & Application.status.in_(sorted(AWARDED))
    rollup.apply_where(db, awarded, -1)
    _insert_chunked(
        db, "review_steps",
        ["application_id", "stage", "outcome", "opinion", "reviewer", "details", "created_at"],
        steps,
    )  # fmt: skip
    analyze(db, "review_steps")
    rollup.apply_where(db, awarded)
    counts = {"review_steps": len(steps)}
    counts.update(_notices(db, apps, actor))
    counts.update(_campaigns(db, apps, actor))
    counts.update(_payments_and_audit(db, apps, actor, _pools(db)))
    return counts


def _notices(db: Session, apps: Seeded, actor: str) -> dict[str, int]:
    """One 公示 batch per half month of decisions; the 公示 is over except for in_notice."""
    first_batch = _next_id(db, "notice_batches")
    batch_of: dict[tuple[int, int, bool], int] = {}
    batches: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    for k, status in enumerate(apps.statuses):
        if status not in NOTICED:
            continue
        listed = (apps.submitted[k] + 21 * DAY).date()
        key = (listed.year, listed.month * 2 + (listed.day > 15), status == "in_notice")
        if key not in batch_of:
            bid = first_batch + len(batches)
            batch_of[key] = bid
            start = dt.date(listed.year, listed.month, 16 if listed.day > 15 else 1)
            batches.append(
                (bid, f"{start:%Y 年 %m 月}第 {1 + (listed.day > 15)} 批拟支持名单公示", start, 5,
                 start + 7 * DAY, "open" if status == "in_notice" else "closed", actor,
                 dt.datetime.combine(start, dt.time(2), dt.UTC))
            )  # fmt: skip
        items.append(
            (batch_of[key], int(apps.ids[k]), "listed" if status == "in_notice" else "passed")
        )
    _insert(
        db, "notice_batches",
        ["id", "title", "start_date", "working_days", "end_date", "status", "created_by",
         "created_at"],
        batches,
    )  # fmt: skip
    _move_sequence(db, "notice_batches", first_batch + len(batches) - 1)
    _insert_chunked(db, "notice_items", ["batch_id", "application_id", "state"], items)
    return {"notice_batches": len(batches), "notice_items": len(items)}


def _payments_and_audit(
    db: Session, apps: Seeded, actor: str, trail: list[tuple[str, str, str, Any]]
) -> dict[str, int]:
    """Paid claims were paid by the city in full; every other noticed claim in two has its
    payment scheduled. The trail: one entry per application with the state it is in now (what
    reconcile compares), one per payment."""
    first_pay = _next_id(db, "payments")
    pays: list[tuple[Any, ...]] = []
    for k, status in enumerate(apps.statuses):
        app_id, decided = int(apps.ids[k]), apps.decided[k]
        if status == "draft":
            continue
        snapshot = {"status": status, "decided_amount_fen": decided,
                    "measure_id": apps.measures[k], "fiscal_year": int(apps.years[k])}  # fmt: skip
        trail.append((LAST_ACTION[status], "application", str(app_id), snapshot))
        if status == "paid" or (status == "noticed" and app_id % 2 == 0):
            assert decided is not None
            pid = first_pay + len(pays)
            paid = status == "paid"
            when = apps.submitted[k] + 45 * DAY
            state = "paid" if paid else "pending"
            voucher = f"SCALE{pid:09d}" if paid else ""
            pays.append(
                (pid, app_id, "city", decided, state, voucher, when, when if paid else None,
                 apps.districts[k], apps.measures[k])
            )  # fmt: skip
            after = {"id": pid, "application_id": app_id, "payer": "city",
                     "amount_fen": decided, "status": state}  # fmt: skip
            if paid:
                trail.append(("payment.paid", "payment", str(pid), after))
            else:  # scheduling writes the list of parts, as payments.service.schedule does
                trail.append(("payment.schedule", "application", str(app_id), [after]))
    columns = ["id", "application_id", "payer", "amount_fen", "status", "voucher", "created_at",
               "paid_at"]  # fmt: skip
    if {"district", "measure_id"} <= _columns(db, "payments"):  # since revision 0150
        columns += ["district", "measure_id"]
    _insert_chunked(db, "payments", columns, [row[: len(columns)] for row in pays])
    _move_sequence(db, "payments", first_pay + len(pays) - 1)
    analyze(db, "payments")
    payment_totals.add_where(db, Payment.id >= first_pay)
    return {"payments": len(pays), "audit_log": _append_trail(db, trail, actor)}


def _append_trail(db: Session, trail: list[tuple[str, str, str, Any]], actor: str) -> int:
    head = db.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
        db.add(head)
        db.flush()
    seq, prev = head.last_seq, head.last_hash
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    columns = ["seq", "at", "actor", "actor_role", "action", "entity", "entity_id", "before",
               "after", "prev_hash", "hash"]  # fmt: skip
    rows: list[tuple[Any, ...]] = []
    for action, entity, entity_id, after in trail:
        seq += 1
        body = {"seq": seq, "at": at, "actor": actor, "actor_role": "admin",
                "action": action, "entity": entity, "entity_id": entity_id, "before": None,
                "after": after}  # fmt: skip
        digest = entry_hash(prev, body)
        rows.append((seq, at, actor, "admin", action, entity, entity_id, None, after, prev, digest))
        prev = digest
        if len(rows) >= CHUNK:
            _insert(db, "audit_log", columns, rows)
            rows = []
    _insert(db, "audit_log", columns, rows)
    head.last_seq, head.last_hash, head.mac = seq, prev, head_mac(seq, prev)
    db.flush()
    return len(trail)


def _campaigns(db: Session, apps: Seeded, actor: str) -> dict[str, int]:
    """免申即享: one finished campaign per measure and year, pushing its candidates."""
    first = _next_id(db, "campaigns")
    camp_of: dict[tuple[str, int], int] = {}
    camps: list[tuple[Any, ...]] = []
    pushes: list[tuple[Any, ...]] = []
    for k, status in enumerate(apps.statuses):
        if status not in ("candidate", "declined"):
            continue
        key = (apps.measures[k], int(apps.years[k]))
        if key not in camp_of:
            camp_of[key] = first + len(camps)
            camps.append((camp_of[key], key[0], key[1], f"{key[1]} 年度 {key[0]} 免申即享",
                          0, 0, actor, apps.submitted[k], "done", None, None))  # fmt: skip
        when = apps.submitted[k]
        declined = status == "declined"
        answer = ("declined", when + DAY) if declined else ("pending", None)
        pushes.append((camp_of[key], int(apps.firms[k]), int(apps.ids[k]), "platform", when,
                       *answer))  # fmt: skip
    _insert(
        db, "campaigns",
        ["id", "measure_id", "fiscal_year", "title", "screened", "candidates", "created_by",
         "created_at", "status", "job_id", "active_key"],
        camps,
    )  # fmt: skip
    _move_sequence(db, "campaigns", first + len(camps) - 1)
    _insert_chunked(
        db, "campaign_pushes",
        ["campaign_id", "enterprise_id", "application_id", "channel", "pushed_at", "response",
         "responded_at"],
        pushes,
    )  # fmt: skip
    return {"campaigns": len(camps), "campaign_pushes": len(pushes)}


def _pools(db: Session) -> list[tuple[str, str, str, Any]]:
    """A pool's committed and paid figures are the sums of its awarded and paid applications
    (what reconcile derives). A pool too small for what the fixture awarded is raised to a
    quarter above it, by an audited budget.set as an admin would; returns those entries."""
    sums = {
        (m, y): (int(c or 0), int(p or 0))
        for m, y, c, p in db.execute(
            text(
                "SELECT measure_id, fiscal_year, sum(decided_amount_fen), "
                "sum(CASE WHEN status = 'paid' THEN decided_amount_fen ELSE 0 END) "
                "FROM applications WHERE status IN ('approved', 'in_notice', 'noticed', 'paid') "
                "GROUP BY measure_id, fiscal_year"
            )
        )
    }
    trail: list[tuple[str, str, str, Any]] = []
    for pool in db.scalars(select(BudgetPool).order_by(BudgetPool.id)):
        committed, paid = sums.get((pool.measure_id, pool.fiscal_year), (0, 0))
        if committed > pool.total_fen:
            pool.total_fen = -(-committed * 5 // 4 // WAN) * WAN
            after = {"measure_id": pool.measure_id, "fiscal_year": pool.fiscal_year,
                     "total_fen": pool.total_fen}  # fmt: skip
            trail.append(("budget.set", "budget_pool", str(pool.id), after))
        pool.committed_fen, pool.paid_fen = committed, paid
    db.flush()
    return trail
