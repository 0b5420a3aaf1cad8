"""Budget pools.

`commit` is a single conditional UPDATE (`... WHERE committed_fen + x <= total_fen`). On
PostgreSQL a concurrent UPDATE of the same row waits for the first to commit and then re-checks
the WHERE clause against the new row, so two decisions can never both fit into the last slot;
SQLite serialises writers outright. No read-modify-write happens in Python.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.policy import measure
from huiqi.rules.money import format_yuan

WARNING_PERCENT = 90


class PoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure_id: str = Field(min_length=1, max_length=32)
    fiscal_year: int = Field(ge=2000, le=2100)
    total_fen: int = Field(ge=0, le=10**15, description="预算总额（分）")


class PoolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    measure_id: str
    fiscal_year: int
    total_fen: int
    committed_fen: int
    paid_fen: int
    available_fen: int
    used_percent: int
    warning: str | None


def pool_out(pool: BudgetPool) -> PoolOut:
    used = (pool.committed_fen * 100 // pool.total_fen) if pool.total_fen else 100
    return PoolOut(
        id=pool.id,
        measure_id=pool.measure_id,
        fiscal_year=pool.fiscal_year,
        total_fen=pool.total_fen,
        committed_fen=pool.committed_fen,
        paid_fen=pool.paid_fen,
        available_fen=pool.total_fen - pool.committed_fen,
        used_percent=used,
        warning=warning(pool),
    )


def warning(pool: BudgetPool) -> str | None:
    if pool.total_fen and pool.committed_fen * 100 >= WARNING_PERCENT * pool.total_fen:
        pct = pool.committed_fen * 100 // pool.total_fen
        return (
            f"预警：措施 {pool.measure_id} {pool.fiscal_year} 年度预算"
            f"已使用 {pct}%（≥{WARNING_PERCENT}%）"
        )
    return None


def upsert_pool(db: Session, p: Principal, data: PoolIn) -> BudgetPool:
    if p.role != "admin":
        raise forbidden("只有管理员可以设置预算")
    measure(data.measure_id)
    pool = db.scalar(
        select(BudgetPool)
        .where(BudgetPool.measure_id == data.measure_id, BudgetPool.fiscal_year == data.fiscal_year)
        .with_for_update()
    )
    before: dict[str, Any] | None = None
    if pool is None:
        pool = BudgetPool(
            measure_id=data.measure_id,
            fiscal_year=data.fiscal_year,
            total_fen=data.total_fen,
            committed_fen=0,
            paid_fen=0,
        )
        db.add(pool)
    else:
        if data.total_fen < pool.committed_fen:
            raise ApiError(
                409,
                "below_committed",
                f"预算总额不能低于已承诺金额 {format_yuan(pool.committed_fen)}",
                "total_fen",
            )
        before = {"total_fen": pool.total_fen}
        pool.total_fen = data.total_fen
    db.flush()
    record(db, p, "budget.set", "budget_pool", pool.id, before, data.model_dump())
    db.commit()
    return pool


def commit_amount(db: Session, measure_id: str, fiscal_year: int, amount_fen: int) -> BudgetPool:
    if amount_fen < 0:
        raise ApiError(422, "non_negative", "金额不能为负", "amount_fen")
    res = db.execute(
        update(BudgetPool)
        .where(
            BudgetPool.measure_id == measure_id,
            BudgetPool.fiscal_year == fiscal_year,
            BudgetPool.committed_fen + amount_fen <= BudgetPool.total_fen,
        )
        .values(committed_fen=BudgetPool.committed_fen + amount_fen)
        .execution_options(synchronize_session=False)
    )
    pool = db.scalar(
        select(BudgetPool)
        .where(BudgetPool.measure_id == measure_id, BudgetPool.fiscal_year == fiscal_year)
        .execution_options(populate_existing=True)
    )
    if pool is None:
        raise ApiError(
            409,
            "no_budget",
            f"措施 {measure_id} 的 {fiscal_year} 年度预算尚未设立，不能作出决定",
            "measure_id",
        )
    # an UPDATE answers a CursorResult, but SQLAlchemy types Session.execute as Result
    if res.rowcount != 1:  # type: ignore[attr-defined]
        avail = pool.total_fen - pool.committed_fen
        raise ApiError(
            409,
            "budget_exceeded",
            f"预算不足：措施 {measure_id} {fiscal_year} 年度剩余 {format_yuan(avail)}，"
            f"本次需 {format_yuan(amount_fen)}",
            "amount_fen",
        )
    return pool


def release_amount(db: Session, measure_id: str, fiscal_year: int, amount_fen: int) -> None:
    db.execute(
        update(BudgetPool)
        .where(BudgetPool.measure_id == measure_id, BudgetPool.fiscal_year == fiscal_year)
        .values(committed_fen=BudgetPool.committed_fen - amount_fen)
        .execution_options(synchronize_session=False)
    )


def add_paid(db: Session, measure_id: str, fiscal_year: int, amount_fen: int) -> None:
    db.execute(
        update(BudgetPool)
        .where(BudgetPool.measure_id == measure_id, BudgetPool.fiscal_year == fiscal_year)
        .values(paid_fen=BudgetPool.paid_fen + amount_fen)
        .execution_options(synchronize_session=False)
    )
