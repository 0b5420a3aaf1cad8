from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets import service
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES

router = APIRouter(prefix="/budgets", tags=["预算"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[service.PoolOut], summary="预算池及使用情况（≥90% 预警）")
def list_pools(
    db: Db,
    p: Annotated[Principal, Depends(require("admin", "city_officer", "analyst"))],
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[service.PoolOut]:
    q = select(BudgetPool).order_by(BudgetPool.fiscal_year, BudgetPool.measure_id)
    if fiscal_year is not None:
        q = q.where(BudgetPool.fiscal_year == fiscal_year)
    if p.role == "city_officer":
        from huiqi.platform.applications.service import measures_of_units

        q = q.where(BudgetPool.measure_id.in_(measures_of_units(p.units)))
    return [service.pool_out(x) for x in db.scalars(q)]


@router.put("", response_model=service.PoolOut, summary="设立或调整预算池（措施 + 年度）")
def put_pool(
    db: Db, p: Annotated[Principal, Depends(require("admin"))], body: service.PoolIn
) -> service.PoolOut:
    return service.pool_out(service.upsert_pool(db, p, body))
