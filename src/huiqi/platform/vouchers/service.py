"""资源池 providers and their products; the yearly 应用服务目录 and 奖补标准 (editions).

A provider account applies for its firm (the credit code checked against GB 32100); the
responsible unit of 三（二） (`desk_unit`, from the policy's text) admits or rejects it with a
reason. Editions are inserted once and never changed: publishing again for a year adds
version n+1 effective from its date, and a voucher keeps the edition it was issued under.
Every change goes through the lifecycle table and the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.policy import programme_setting
from huiqi.platform.vouchers import lifecycle as lc
from huiqi.platform.vouchers import schemas as s
from huiqi.platform.vouchers.models import (
    CatalogueEdition,
    CatalogueItem,
    ClassStandard,
    PoolProduct,
    PoolProvider,
)
from huiqi.rules.credit_code import credit_code_problem, normalise_credit_code

ADMITTED = "admitted"
# 三（二）: the pool and its vouchers pay this measure (the package's programmes.yaml)
POOL_MEASURE = programme_setting("vouchers", "measure")


def desk_unit() -> str:
    """The unit that runs the pool and settles vouchers: the one the lifecycle's 审核员 belong
    to (the lead of the policy's pool task, as the package names it)."""
    return lc.responsible_unit()


def provider_snapshot(pv: PoolProvider) -> dict[str, Any]:
    return s.ProviderOut.model_validate(pv).model_dump(mode="json")


def is_city(p: Principal) -> bool:
    return p.role == "admin" or (p.role == "city_officer" and desk_unit() in p.units)


def ensure_city(p: Principal) -> None:
    if not is_city(p):
        raise forbidden(f"只有{desk_unit()}审核员可以办理资源池和服务券目录")


# ---- providers ------------------------------------------------------------------------


def own_provider(db: Session, p: Principal, *, lock: bool = False) -> PoolProvider | None:
    if p.role != "provider":
        return None
    q = select(PoolProvider).where(PoolProvider.user_id == p.user_id)
    return db.scalar(q.with_for_update() if lock else q)


def get_provider(
    db: Session, p: Principal, provider_id: int, *, lock: bool = False
) -> PoolProvider:
    """A provider account sees its own record; the responsible unit and admins see all."""
    q = select(PoolProvider).where(PoolProvider.id == provider_id)
    pv = db.scalar(q.with_for_update() if lock else q)
    if pv is None or not (is_city(p) or (p.role == "provider" and pv.user_id == p.user_id)):
        raise not_found("资源池服务商", "provider_id")
    return pv


def list_providers(db: Session, p: Principal, status: str | None = None) -> list[PoolProvider]:
    q = select(PoolProvider).order_by(PoolProvider.id)
    if not is_city(p):
        q = q.where(PoolProvider.user_id == (p.user_id if p.role == "provider" else -1))
    if status:
        q = q.where(PoolProvider.status == status)
    return list(db.scalars(q))


def public_pool(db: Session) -> list[PoolProvider]:
    """Providers in the pool now (what anyone may see)."""
    q = select(PoolProvider).where(PoolProvider.status == ADMITTED).order_by(PoolProvider.id)
    return list(db.scalars(q))


def check_credit_code(code: str) -> str:
    norm = normalise_credit_code(code)
    problem = credit_code_problem(norm)
    if problem:
        raise ApiError(422, "credit_code", problem, "credit_code")
    return norm


def apply(db: Session, p: Principal, data: s.ProviderIn) -> PoolProvider:
    """A provider account applies to join the pool (again, after a rejection or removal)."""
    if p.role != "provider":
        raise forbidden("只有平台商、服务商账号可以申请入池")
    code = check_credit_code(data.credit_code)
    firm = db.scalar(select(Enterprise.id).where(Enterprise.credit_code == code))
    mine = own_provider(db, p, lock=True)
    other = db.scalar(select(PoolProvider).where(PoolProvider.credit_code == code))
    if other is not None and (mine is None or other.id != mine.id):
        raise ApiError(409, "duplicate", "该统一社会信用代码已申请入池", "credit_code")
    try:
        if mine is None:
            mine = PoolProvider(
                user_id=p.user_id, credit_code=code, name=data.name, kind=data.kind,
                status_reason="", enterprise_id=firm, status="applied",
            )  # fmt: skip
            db.add(mine)
            db.flush()
            lc.move(db, mine, p, lc.PROVIDER, "apply", provider_snapshot, p.user_id, new=True)
        else:
            lc.check(p, mine, lc.PROVIDER, "reapply", mine.user_id)
            mine.credit_code, mine.name, mine.kind = code, data.name, data.kind
            mine.enterprise_id, mine.status_reason = firm, ""
            lc.move(db, mine, p, lc.PROVIDER, "reapply", provider_snapshot, mine.user_id)
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ApiError(409, "duplicate", "该统一社会信用代码已申请入池", "credit_code") from None
    return mine


REASON_NEEDED = {"reject", "suspend", "remove"}


def decide(db: Session, p: Principal, provider_id: int, action: str, reason: str) -> PoolProvider:
    """admit | reject | suspend | reinstate | remove, by the responsible unit (with a reason
    to refuse)."""
    ensure_city(p)
    pv = get_provider(db, p, provider_id, lock=True)
    if action in REASON_NEEDED and not reason.strip():
        zh = lc.PROVIDER.action_zh[action]
        raise ApiError(422, "reason_required", f"{zh}须写明理由", "reason")
    lc.check(p, pv, lc.PROVIDER, action, pv.user_id)
    pv.status_reason = reason.strip()
    lc.move(db, pv, p, lc.PROVIDER, action, provider_snapshot, pv.user_id, note=reason.strip())
    db.commit()
    return pv


# ---- products -------------------------------------------------------------------------


def add_product(db: Session, p: Principal, data: s.ProductIn) -> PoolProduct:
    pv = own_provider(db, p, lock=True)
    if pv is None:
        raise forbidden("请先以平台商、服务商账号申请入池")
    if pv.status not in ("applied", ADMITTED):
        zh = lc.PROVIDER.status_zh[pv.status]
        raise ApiError(409, "wrong_status", f"服务商当前状态为“{zh}”，不能登记产品", "status")
    prod = PoolProduct(
        provider_id=pv.id, name=data.name, product_class=data.product_class.strip(),
        price_fen=data.price_fen, description=data.description,
    )  # fmt: skip
    db.add(prod)
    db.flush()
    after = s.ProductOut.model_validate(prod).model_dump(mode="json")
    record(db, p, "pool.product.add", "pool_product", prod.id, None, after)
    db.commit()
    return prod


def list_products(db: Session, p: Principal) -> list[PoolProduct]:
    q = select(PoolProduct).order_by(PoolProduct.id)
    if not is_city(p):
        pv = own_provider(db, p)
        q = q.where(PoolProduct.provider_id == (pv.id if pv else -1))
    return list(db.scalars(q))


# ---- the 应用服务目录 and 奖补标准 -----------------------------------------------------


def publish(db: Session, p: Principal, data: s.CatalogueIn) -> CatalogueEdition:
    """A new edition for the year; earlier editions stay exactly as published."""
    ensure_city(p)
    today = business_today()
    if data.effective_from < today:
        raise ApiError(
            422, "not_backdated", f"生效日期不能早于今天（{today.isoformat()}），不能倒签",
            "effective_from",
        )  # fmt: skip
    if data.effective_from.year != data.year:
        raise ApiError(422, "year", "生效日期须在该年度内", "effective_from")
    classes = [c.product_class.strip() for c in data.standards]
    if len(set(classes)) != len(classes):
        raise ApiError(422, "duplicate_class", "奖补标准中产品类别重复", "standards")
    if len(set(data.product_ids)) != len(data.product_ids):
        raise ApiError(422, "duplicate_product", "目录中产品重复", "product_ids")
    # Serialise publications of a year: the last edition is read under lock (the unique
    # (year, version) constraint is the last line of defence).
    last = db.scalar(
        select(CatalogueEdition).where(CatalogueEdition.year == data.year)
        .order_by(CatalogueEdition.version.desc()).limit(1).with_for_update()
    )  # fmt: skip
    if last is not None and data.effective_from < last.effective_from:
        raise ApiError(
            422, "effective_order",
            f"新版本生效日期不能早于上一版本（第{last.version}版，{last.effective_from}）",
            "effective_from",
        )  # fmt: skip
    products = {
        x.id: x for x in db.scalars(select(PoolProduct).where(PoolProduct.id.in_(data.product_ids)))
    }
    providers = {
        x.id: x
        for x in db.scalars(
            select(PoolProvider).where(
                PoolProvider.id.in_({pr.provider_id for pr in products.values()})
            )
        )
    }
    for i, pid in enumerate(data.product_ids):
        prod = products.get(pid)
        if prod is None:
            raise ApiError(422, "not_found", f"产品 {pid} 不存在", f"product_ids[{i}]")
        if providers[prod.provider_id].status != ADMITTED:
            raise ApiError(
                422, "not_admitted", f"产品“{prod.name}”的服务商不在资源池内", f"product_ids[{i}]"
            )
        if prod.product_class not in classes:
            raise ApiError(
                422, "no_standard",
                f"产品“{prod.name}”的类别“{prod.product_class}”没有奖补标准", f"product_ids[{i}]",
            )  # fmt: skip
    edition = CatalogueEdition(
        year=data.year, version=(last.version + 1) if last else 1,
        effective_from=data.effective_from, annual_cap_fen=data.annual_cap_fen,
        title=data.title, published_by=p.username,
    )  # fmt: skip
    db.add(edition)
    db.flush()
    db.add_all(
        ClassStandard(
            catalogue_id=edition.id,
            product_class=c.product_class.strip(),
            ratio_bp=c.ratio_bp,
            cap_fen=c.cap_fen,
        )
        for c in data.standards
    )
    db.add_all(
        CatalogueItem(
            catalogue_id=edition.id,
            product_id=pid,
            product_class=products[pid].product_class,
            price_fen=products[pid].price_fen,
        )
        for pid in data.product_ids
    )
    db.flush()
    out = edition_out(db, edition).model_dump(mode="json")
    record(db, p, "voucher.catalogue.publish", "voucher_catalogue", edition.id, None, out)
    db.commit()
    return edition


def edition_in_force(db: Session, year: int, day: dt.date) -> CatalogueEdition | None:
    """The edition of `year` in force on `day`: the latest effective on or before it."""
    return db.scalar(
        select(CatalogueEdition)
        .where(CatalogueEdition.year == year, CatalogueEdition.effective_from <= day)
        .order_by(CatalogueEdition.effective_from.desc(), CatalogueEdition.version.desc())
        .limit(1)
    )


def get_edition(db: Session, catalogue_id: int) -> CatalogueEdition:
    ed = db.get(CatalogueEdition, catalogue_id)
    if ed is None:
        raise not_found("服务券目录", "catalogue_id")
    return ed


def list_editions(db: Session, year: int | None = None) -> list[CatalogueEdition]:
    q = select(CatalogueEdition).order_by(CatalogueEdition.year, CatalogueEdition.version)
    if year is not None:
        q = q.where(CatalogueEdition.year == year)
    return list(db.scalars(q))


def edition_out(db: Session, ed: CatalogueEdition) -> s.CatalogueOut:
    standards = db.scalars(
        select(ClassStandard)
        .where(ClassStandard.catalogue_id == ed.id)
        .order_by(ClassStandard.product_class)
    )
    rows = db.execute(
        select(CatalogueItem, PoolProduct.name, PoolProvider.name)
        .join(PoolProduct, PoolProduct.id == CatalogueItem.product_id)
        .join(PoolProvider, PoolProvider.id == PoolProduct.provider_id)
        .where(CatalogueItem.catalogue_id == ed.id)
        .order_by(CatalogueItem.product_class, CatalogueItem.product_id)
    )
    items = [
        s.CatalogueItemOut(
            product_id=it.product_id,
            product_class=it.product_class,
            price_fen=it.price_fen,
            product_name=pname,
            provider_name=vname,
        )
        for it, pname, vname in rows
    ]
    return s.CatalogueOut(
        id=ed.id, year=ed.year, version=ed.version, effective_from=ed.effective_from,
        title=ed.title, annual_cap_fen=ed.annual_cap_fen, published_by=ed.published_by,
        published_at=ed.published_at,
        standards=[s.ClassStandardOut.model_validate(x) for x in standards], items=items,
    )  # fmt: skip


def current_edition(db: Session) -> CatalogueEdition | None:
    today = business_today()
    return edition_in_force(db, today.year, today)


def pending_count(db: Session) -> int:
    q = select(func.count()).select_from(PoolProvider).where(PoolProvider.status == "applied")
    return int(db.scalar(q) or 0)
