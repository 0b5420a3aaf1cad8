"""小微企业服务券: a 小微 firm takes a voucher for a catalogue product, confirms delivery and
rates the service; the provider redeems it; the responsible unit settles it into the payment steps.

The amount is the rules engine's: the voucher's facts (catalogue price, the class's ratio and
cap, the yearly total cap and what the firm already took this year) go into a cloud_adoption
project of the firm and `evaluate` computes 3.2.1 on the firm's case exactly as
`huiqi evaluate` would on the frozen case. Budget is committed from the 3.2.1 pool of the year
when the voucher is issued (released if the firm gives it up); settlement creates the 3.2.1
application the existing payments pipeline pays.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle as app_lifecycle
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application
from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets.service import commit_amount, release_amount
from huiqi.platform.clock import business_today
from huiqi.platform.credit.service import ensure_not_blocked
from huiqi.platform.db import utcnow
from huiqi.platform.engine import case_of_firm, evaluate_measure
from huiqi.platform.enterprises.models import Enterprise, Project
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.policy import get_policy
from huiqi.platform.scoped import one_visible
from huiqi.platform.vouchers import lifecycle as lc
from huiqi.platform.vouchers import schemas as s
from huiqi.platform.vouchers.models import (
    CatalogueItem,
    ClassStandard,
    PoolProduct,
    PoolProvider,
    Voucher,
)
from huiqi.platform.vouchers.service import (
    ADMITTED,
    POOL_MEASURE,
    edition_in_force,
    is_city,
    own_provider,
)
from huiqi.platform.vouchers.sizing import SIZE_ZH, SMALL_MICRO, decide

MEASURE = POOL_MEASURE
PROJECT_KIND = "cloud_adoption"
LIVE = ("issued", "delivered", "redeemed", "settled")  # count against the yearly total cap


def snapshot(v: Voucher) -> dict[str, Any]:
    out = s.VoucherOut.model_validate(v).model_dump(mode="json")
    out.pop("explanation")  # frozen at issue and unchanged; the issue entry carries it
    return out


def scope(p: Principal, db: Session) -> Select[Voucher]:
    """A firm sees its vouchers, a provider those for its products, the responsible unit all."""
    q = select(Voucher)
    if is_city(p):
        return q
    if p.role == "enterprise":
        return q.where(Voucher.enterprise_id == (p.enterprise_id or -1))
    if p.role == "provider":
        pv = own_provider(db, p)
        return q.where(Voucher.provider_id == (pv.id if pv else -1))
    raise forbidden()


def get_voucher(db: Session, p: Principal, voucher_id: int, *, lock: bool = False) -> Voucher:
    q = scope(p, db).where(Voucher.id == voucher_id)
    return one_visible(db, q, Voucher, lock=lock, what="服务券", path="voucher_id")


def list_vouchers(db: Session, p: Principal) -> list[Voucher]:
    return list(db.scalars(scope(p, db).order_by(Voucher.id)))


def owner_of(db: Session, v: Voucher) -> int | None:
    return db.scalar(select(PoolProvider.user_id).where(PoolProvider.id == v.provider_id))


def issue(db: Session, p: Principal, data: s.VoucherIn) -> Voucher:
    if p.role != "enterprise" or p.enterprise_id is None:
        raise forbidden("只有企业账号可以领取服务券")
    # the firm row is locked: two vouchers taken at once must both see the other under the
    # yearly total cap
    ent = db.scalar(select(Enterprise).where(Enterprise.id == p.enterprise_id).with_for_update())
    if ent is None:
        raise not_found("企业", "enterprise_id")
    ensure_not_blocked(db, ent)
    today = business_today()
    edition = edition_in_force(db, today.year, today)
    if edition is None:
        raise ApiError(
            409, "no_catalogue", f"{today.year}年度应用服务目录和奖补标准尚未发布或尚未生效",
            "product_id",
        )  # fmt: skip
    item = db.scalar(
        select(CatalogueItem).where(
            CatalogueItem.catalogue_id == edition.id, CatalogueItem.product_id == data.product_id
        )
    )
    if item is None:
        raise ApiError(
            422, "not_in_catalogue",
            f"该产品不在{edition.year}年度应用服务目录（第{edition.version}版）内", "product_id",
        )  # fmt: skip
    product = db.get(PoolProduct, item.product_id)
    assert product is not None
    provider = db.get(PoolProvider, product.provider_id)
    assert provider is not None
    if provider.status != ADMITTED:
        raise ApiError(
            409, "provider_out", "该产品的服务商目前不在资源池内，暂不能领券", "product_id"
        )
    standard = db.scalar(
        select(ClassStandard).where(
            ClassStandard.catalogue_id == edition.id,
            ClassStandard.product_class == item.product_class,
        )
    )
    assert standard is not None  # publish() refuses a product whose class has no standard
    sized = decide(ent, today)
    if sized.size not in SMALL_MICRO:
        raise ApiError(
            422, "not_small_micro",
            f"按划型为{SIZE_ZH[sized.size]}企业，不属小微企业，不能领取小微企业服务券："
            f"{sized.explanation}", "enterprise.size",
        )  # fmt: skip
    used = db.scalar(
        select(func.coalesce(func.sum(Voucher.amount_fen), 0)).where(
            Voucher.enterprise_id == ent.id, Voucher.year == edition.year,
            Voucher.status.in_(LIVE),
        )
    )  # fmt: skip
    used = int(used or 0)
    facts: dict[str, Any] = {
        "service_date": today.isoformat(),
        "service_fee_fen": item.price_fen,
        "catalogue_price_fen": item.price_fen,
        "product_class": item.product_class,
        "subsidy_ratio_bp": standard.ratio_bp,
        "class_cap_fen": standard.cap_fen,
        "standard_year": edition.year,
    }
    if edition.annual_cap_fen is not None:
        facts["annual_cap_fen"] = edition.annual_cap_fen
        facts["annual_used_fen"] = used
    project = Project(
        enterprise_id=ent.id, kind=PROJECT_KIND, fields=facts,
        name=f"上云服务券：{product.name}（{provider.name}）",
    )  # fmt: skip
    db.add(project)
    db.flush()
    db.refresh(ent)
    case = case_of_firm(db, ent, edition.year, today)
    # the 划型 decided from the firm's records, not the size it declared
    case["enterprise"]["size"] = sized.size
    out = evaluate_measure(case, MEASURE, project.id)
    if out.status != "eligible" or not out.amount_fen:
        row = out.evaluation.get("row") or {}
        why = "；".join(r for r in row.get("reasons", []) if r.startswith("不符合")) or (
            "本年度服务券总额上限已用完" if edition.annual_cap_fen is not None else "金额为零"
        )
        raise ApiError(422, "not_eligible", f"不能领取服务券：{why}", "product_id")
    amount = out.amount_fen
    commit_amount(db, MEASURE, edition.year, amount)
    pol = get_policy()
    spec = pol.measures[MEASURE]
    row = out.evaluation["row"]
    basis = next((r for r in row["reasons"] if r.startswith("计算：")), "")
    explanation = {
        "policy": f"{pol.title}（{pol.document_number}）{spec.clause_ref}",
        "words": spec.words,
        "standard": {
            "catalogue_id": edition.id, "year": edition.year, "version": edition.version,
            "effective_from": edition.effective_from.isoformat(),
            "product_class": item.product_class, "ratio_bp": standard.ratio_bp,
            "class_cap_fen": standard.cap_fen, "annual_cap_fen": edition.annual_cap_fen,
            "annual_used_fen": used,
        },
        "basis": basis,
        "size": sized.as_dict(),
        "case": case,
        "evaluation": out.evaluation,
    }  # fmt: skip
    v = Voucher(
        enterprise_id=ent.id, provider_id=provider.id, product_id=product.id,
        catalogue_id=edition.id, project_id=project.id, year=edition.year,
        product_class=item.product_class, price_fen=item.price_fen, ratio_bp=standard.ratio_bp,
        class_cap_fen=standard.cap_fen, annual_cap_fen=edition.annual_cap_fen,
        annual_used_fen=used, amount_fen=amount, status="issued", explanation=explanation,
        size_decision=sized.as_dict(), issued_on=today,
    )  # fmt: skip
    db.add(v)
    db.flush()
    lc.move(db, v, p, lc.VOUCHER, "issue", snapshot, provider.user_id, new=True, note=basis)
    db.commit()
    return v


def cancel(db: Session, p: Principal, voucher_id: int) -> Voucher:
    v = get_voucher(db, p, voucher_id, lock=True)
    lc.check(p, v, lc.VOUCHER, "cancel", owner_of(db, v))
    release_amount(db, MEASURE, v.year, v.amount_fen)
    lc.move(db, v, p, lc.VOUCHER, "cancel", snapshot, owner_of(db, v))
    db.commit()
    return v


def confirm_delivery(db: Session, p: Principal, voucher_id: int) -> Voucher:
    v = get_voucher(db, p, voucher_id, lock=True)
    lc.move(db, v, p, lc.VOUCHER, "confirm_delivery", snapshot, owner_of(db, v))
    db.commit()
    return v


def rate(db: Session, p: Principal, voucher_id: int, data: s.RatingIn) -> Voucher:
    """The firm rates the service once it is delivered (feeds the annual evaluation)."""
    v = get_voucher(db, p, voucher_id, lock=True)
    if p.role != "enterprise" or v.enterprise_id != p.enterprise_id:
        raise forbidden("只有持券企业可以评价服务")
    if v.status not in ("delivered", "redeemed", "settled"):
        raise ApiError(409, "not_delivered", "服务确认交付后才能评价", "status")
    if v.rating is not None:
        raise ApiError(409, "already_rated", "该服务券已评价，不能修改", "rating")
    before = snapshot(v)
    v.rating, v.rating_comment = data.rating, data.comment
    db.flush()
    from huiqi.platform.audit.service import record

    record(db, p, "voucher.rate", "voucher", v.id, before, snapshot(v))
    db.commit()
    return v


def redeem(db: Session, p: Principal, voucher_id: int) -> Voucher:
    v = get_voucher(db, p, voucher_id, lock=True)
    lc.move(db, v, p, lc.VOUCHER, "redeem", snapshot, owner_of(db, v))
    db.commit()
    return v


def settle(db: Session, p: Principal, voucher_id: int) -> Voucher:
    """The responsible unit settles a redeemed voucher: the 3.2.1 application carrying its
    frozen case and amount enters the payment steps (budget was committed at issue)."""
    v = get_voucher(db, p, voucher_id, lock=True)
    owner = owner_of(db, v)
    lc.check(p, v, lc.VOUCHER, "settle", owner)
    ent = db.get(Enterprise, v.enterprise_id)
    assert ent is not None
    pol = get_policy()
    ev = v.explanation
    app = Application(
        enterprise_id=v.enterprise_id, measure_id=MEASURE, fiscal_year=v.year,
        project_id=v.project_id, project_key=v.project_id, status="draft", source="voucher",
        policy_id=pol.id, policy_version=pol.version, facts=ev["case"],
        evaluation=ev["evaluation"], engine_status="eligible", engine_amount_fen=v.amount_fen,
        decided_amount_fen=v.amount_fen, decision_reason=ev["basis"],
        statement=f"服务券 {v.id} 兑付", created_by=p.username, district=ent.district,
        application_date=v.issued_on, first_submitted_at=utcnow(),
    )  # fmt: skip
    db.add(app)
    db.flush()
    app_lifecycle.LIFECYCLE.move(db, app, p, Action.VOUCHER_SETTLE, new=True)
    v.application_id = app.id
    lc.move(db, v, p, lc.VOUCHER, "settle", snapshot, owner)
    db.commit()
    return v


def payment_status(db: Session, v: Voucher) -> str | None:
    if v.application_id is None:
        return None
    return db.scalar(select(Application.status).where(Application.id == v.application_id))
