"""Reconcile the money tables with the audit trail.

The hash chain proves the trail was not altered; it says nothing about a money column changed
behind the platform's back (`UPDATE applications SET decided_amount_fen = ...`). Every service
that moves money writes the state it leaves behind into the trail, so the newest audited state
must equal the row:

* an application's decided amount (and whether it is awarded or paid) is the one of its newest
  audited snapshot (`after` of entity `application` carrying `decided_amount_fen`);
* a payment's amount, payer and status are those of its newest audited record
  (`payment.schedule`, then `payment.paid`);
* a budget pool's total is its newest `budget.set`; what it has committed and paid is derived:
  the sum of the decided amounts of its awarded, respectively paid, applications.

Anything that differs is reported as a money change that is not in the trail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import AWARDED, Application
from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.payments.models import Payment


def yuan(fen: int | None) -> str:
    if fen is None:
        return "（无）"
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d} 元"


@dataclass
class AuditedApplication:
    seq: int
    decided_amount_fen: int | None
    status: str


@dataclass
class MoneyTrail:
    """The newest audited money state of every application, payment and budget pool."""

    applications: dict[int, AuditedApplication] = field(default_factory=dict)
    payments: dict[int, dict[str, Any]] = field(default_factory=dict)
    pool_totals: dict[int, int] = field(default_factory=dict)

    def observe(self, e: AuditEntry) -> None:
        after = e.after
        snapshot = isinstance(after, dict) and "decided_amount_fen" in after and "status" in after
        if e.entity == "application" and snapshot:
            assert isinstance(after, dict)
            self.applications[int(e.entity_id)] = AuditedApplication(
                e.seq, after["decided_amount_fen"], str(after["status"])
            )
        if e.action == "payment.schedule" and isinstance(after, list):
            for row in after:
                if isinstance(row, dict) and "id" in row:
                    self.payments[int(row["id"])] = row
        elif e.entity == "payment" and isinstance(after, dict) and "amount_fen" in after:
            self.payments[int(e.entity_id)] = after
        elif e.action == "budget.set" and isinstance(after, dict) and "total_fen" in after:
            self.pool_totals[int(e.entity_id)] = int(after["total_fen"])

    def problems(self, db: Session) -> list[str]:
        return [
            *self._application_problems(db),
            *self._payment_problems(db),
            *self._pool_problems(db),
        ]

    def _application_problems(self, db: Session) -> list[str]:
        out: list[str] = []
        seen: set[int] = set()
        for app_id, decided, status in db.execute(
            select(Application.id, Application.decided_amount_fen, Application.status).order_by(
                Application.id
            )
        ):
            seen.add(app_id)
            trail = self.applications.get(app_id)
            audited_amount = trail.decided_amount_fen if trail else None
            if decided != audited_amount:
                out.append(
                    f"申报 #{app_id} 的核定金额为 {yuan(decided)}，审计日志中最后记录的是 "
                    f"{yuan(audited_amount)}：该金额变动未记入审计"
                )
            audited_status = trail.status if trail else None
            # the status matters for money once a claim is (or claims to be) awarded or paid
            if status != audited_status and (status in AWARDED or audited_status in AWARDED):
                out.append(
                    f"申报 #{app_id} 的状态为 {status}，审计日志中最后记录的是 "
                    f"{audited_status or '（无）'}：获支持或拨付状态的变动未记入审计"
                )
        for app_id, trail in self.applications.items():
            if app_id not in seen and trail.decided_amount_fen is not None:
                out.append(
                    f"申报 #{app_id} 已核定 {yuan(trail.decided_amount_fen)}"
                    f"（审计第 {trail.seq} 条），但申报记录不见了：删除未记入审计"
                )
        return out

    def _payment_problems(self, db: Session) -> list[str]:
        out: list[str] = []
        seen: set[int] = set()
        for pay in db.scalars(select(Payment).order_by(Payment.id)):
            seen.add(pay.id)
            trail = self.payments.get(pay.id)
            if trail is None:
                out.append(
                    f"拨付记录 #{pay.id}（申报 #{pay.application_id}，{yuan(pay.amount_fen)}）"
                    "不在审计日志中"
                )
                continue
            for name, value in (
                ("application_id", pay.application_id),
                ("payer", pay.payer),
                ("amount_fen", pay.amount_fen),
                ("status", pay.status),
            ):
                if trail.get(name) != value:
                    shown: Callable[[Any], str] = yuan if name == "amount_fen" else str
                    out.append(
                        f"拨付记录 #{pay.id} 的 {name} 为 {shown(value)}，审计日志中最后记录的是 "
                        f"{shown(trail.get(name))}：该变动未记入审计"
                    )
        for pay_id, trail in self.payments.items():
            if pay_id not in seen:
                out.append(
                    f"拨付记录 #{pay_id}（{yuan(trail.get('amount_fen'))}）在审计日志中，"
                    "但数据库里没有了：删除未记入审计"
                )
        return out

    def _pool_problems(self, db: Session) -> list[str]:
        committed: dict[tuple[str, int], int] = defaultdict(int)
        paid: dict[tuple[str, int], int] = defaultdict(int)
        for measure_id, year, status, decided in db.execute(
            select(
                Application.measure_id,
                Application.fiscal_year,
                Application.status,
                Application.decided_amount_fen,
            ).where(Application.status.in_(AWARDED))
        ):
            committed[(measure_id, year)] += decided or 0
            if status == "paid":
                paid[(measure_id, year)] += decided or 0
        out: list[str] = []
        for pool in db.scalars(select(BudgetPool).order_by(BudgetPool.id)):
            name = f"预算池 #{pool.id}（措施 {pool.measure_id} {pool.fiscal_year} 年度）"
            key = (pool.measure_id, pool.fiscal_year)
            total = self.pool_totals.get(pool.id)
            if total != pool.total_fen:
                out.append(
                    f"{name}总额为 {yuan(pool.total_fen)}，审计日志中最后设定的是 {yuan(total)}："
                    "该变动未记入审计"
                )
            if pool.committed_fen != committed[key]:
                out.append(
                    f"{name}已承诺 {yuan(pool.committed_fen)}，而已获支持申报的核定金额合计 "
                    f"{yuan(committed[key])}：承诺额被改动"
                )
            if pool.paid_fen != paid[key]:
                out.append(
                    f"{name}已拨付 {yuan(pool.paid_fen)}，而已拨付申报的核定金额合计 "
                    f"{yuan(paid[key])}：拨付额被改动"
                )
        return out
