"""上云资源池 and 小微企业服务券 pages (三（二）): the public pool and catalogue; the responsible
unit's desk (admission, catalogue and standard, settlement, annual evaluation); the provider's desk
(joining, products, redemption); the firm's desk (catalogue, vouchers, delivery, rating).

Every page has its JSON twin (?format=json). Forms post, then redirect back with the outcome
or the service's Chinese error (naming the field) in `msg`; nothing is pre-selected for an
officer."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError
from huiqi.platform.policy import get_policy
from huiqi.platform.vouchers import evaluation, issuing, service
from huiqi.platform.vouchers import lifecycle as lc
from huiqi.platform.vouchers import schemas as s
from huiqi.platform.vouchers.models import PoolProduct, PoolProvider, Voucher
from huiqi.rules.money import format_ratio_bp
from huiqi.web.common import amount_fen, form_dict
from huiqi.web.deps import CityOfficerUser, EnterpriseUser, PageDb, require_page
from huiqi.web.forms import read_form
from huiqi.web.render import page, redirect, templates
from huiqi.web.session import WebUser

router = APIRouter(prefix="/vouchers")
# 3000 -> 30%, exactly as the standard was published (no float on the way)
templates.env.filters["ratio_bp"] = format_ratio_bp
ProviderUser = Annotated[WebUser, Depends(require_page("provider"))]
GRADE_ZH = evaluation.GRADE_ZH
FIELD_ZH = {
    "credit_code": "统一社会信用代码", "name": "名称", "kind": "类型", "product_class": "产品类别",
    "price_fen": "价格", "ratio_bp": "奖补比例", "cap_fen": "单项上限", "year": "年度",
    "effective_from": "生效日期", "title": "目录名称", "product_ids": "纳入目录的产品",
    "standards": "奖补标准", "annual_cap_fen": "年度总额上限", "reason": "理由",
    "officer_score": "评审分", "pool_action": "资源池动态管理", "opinion": "评审意见",
    "provider_id": "服务商", "rating": "评价", "product_id": "产品",
}  # fmt: skip


def _back(request: Request, where: str, msg: str) -> Response:
    return redirect(request, f"{where}?msg={quote(msg)}", status_code=303)


def _invalid(errors: dict[str, str]) -> str:
    """The first refusal of read_form, named by its field as the form labels it."""
    field, text = next(iter(errors.items()))
    return f"{FIELD_ZH.get(field, '表单')}：{text}"


def _run(
    request: Request, db: PageDb, where: str, done: str, action: Callable[[PageDb], Any]
) -> Response:
    """Do `action(db)`; back to `where` with `done` or the service's Chinese error."""
    try:
        action(db)
    except ApiError as exc:
        db.rollback()
        err = exc.errors[0]
        field = FIELD_ZH.get(err["path"].split(".")[-1].split("[")[0], "")
        return _back(request, where, (f"{field}：" if field else "") + err["message"])
    return _back(request, where, done)


def _voucher_row(db: Any, v: Voucher, p: Principal) -> dict[str, Any]:
    ent = db.get(Enterprise, v.enterprise_id)
    prod = db.get(PoolProduct, v.product_id)
    prov = db.get(PoolProvider, v.provider_id)
    return {
        **s.VoucherOut.model_validate(v).model_dump(mode="json", exclude={"explanation"}),
        "enterprise_name": ent.name if ent else "",
        "product_name": prod.name if prod else "",
        "provider_name": prov.name if prov else "",
        "status_zh": lc.VOUCHER.status_zh[v.status],
        "basis": v.explanation.get("basis", ""),
        "words": v.explanation.get("words", ""),
        "policy": v.explanation.get("policy", ""),
        "payment_status": issuing.payment_status(db, v),
        "actions": lc.allowed(p, v, lc.VOUCHER, issuing.owner_of(db, v)),
    }


def _catalogue(db: Any) -> dict[str, Any] | None:
    ed = service.current_edition(db)
    return service.edition_out(db, ed).model_dump(mode="json") if ed else None


# ---- public -----------------------------------------------------------------------------


@router.get("", summary="上云资源池与服务券目录（公开）")
def public(request: Request, db: PageDb) -> Response:
    providers = [
        {"id": x.id, "name": x.name, "kind_zh": s.KIND_ZH[x.kind]} for x in service.public_pool(db)
    ]
    data = {
        "providers": providers, "catalogue": _catalogue(db), "words": _words(),
        "unit": service.desk_unit(),
    }  # fmt: skip
    return page(request, "vouchers/public.html", data, title="上云资源池与服务券目录")


def _words() -> str:
    return str(get_policy().measures[issuing.MEASURE].words)


# ---- the responsible unit's desk -----------------------------------------------------------


@router.get("/city", summary="资源池与服务券（责任单位）")
def city(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    p = user.principal
    year = business_today().year
    service.ensure_city(p)
    providers = [
        {**service.provider_snapshot(x), "status_zh": lc.PROVIDER.status_zh[x.status],
         "actions": lc.allowed(p, x, lc.PROVIDER, x.user_id)}
        for x in service.list_providers(db, p)
    ]  # fmt: skip
    names = {x["id"]: x["name"] for x in providers}
    products = [
        {**s.ProductOut.model_validate(x).model_dump(), "provider_name": names[x.provider_id],
         "admitted": any(v["id"] == x.provider_id and v["status"] == "admitted"
                         for v in providers)}
        for x in service.list_products(db, p)
    ]  # fmt: skip
    editions = [service.edition_out(db, e).model_dump(mode="json") for e in
                service.list_editions(db)]  # fmt: skip
    vouchers = [_voucher_row(db, v, p) for v in issuing.list_vouchers(db, p)]
    evals = [s.EvaluationOut.model_validate(e).model_dump(mode="json")
             for e in evaluation.list_evaluations(db, p)]  # fmt: skip
    data = {
        "year": year, "today": business_today(), "providers": providers,
        "products": products, "editions": editions, "vouchers": vouchers,
        "evaluations": evals, "candidates": evaluation.candidates(db, p, year),
        "grade_zh": GRADE_ZH, "unit": service.desk_unit(),
        "method": {"rating_points": evaluation.RATING_POINTS,
                   "delivery_points": evaluation.DELIVERY_POINTS,
                   "officer_points": evaluation.OFFICER_POINTS},
    }  # fmt: skip
    return page(request, "vouchers/city.html", data, title="资源池与服务券管理")


@router.post("/city/providers/{provider_id}", summary="入池审核与动态管理")
async def city_provider(
    request: Request, user: CityOfficerUser, db: PageDb, provider_id: int
) -> Response:
    form = form_dict(await request.form())
    action = form.get("action", "")
    if action not in ("admit", "reject", "suspend", "reinstate", "remove"):
        return _back(request, "/vouchers/city", "请选择审核操作")
    zh = lc.PROVIDER.action_zh[action]
    return _run(
        request, db, "/vouchers/city", f"已{zh}",
        lambda db: service.decide(db, user.principal, provider_id, action, form.get("reason", "")),
    )  # fmt: skip


def percent_to_bp(text: str) -> int | None:
    """'30' / '30%' / '12.5％' -> 1/10000 units, exactly; None when not a percentage."""
    t = text.strip().rstrip("%％").strip()
    try:
        value = Decimal(t) * 100
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else None


@router.post("/city/catalogue", summary="发布年度目录和奖补标准")
async def city_publish(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    raw = await request.form()
    form = form_dict(raw)
    errors: dict[str, str] = {}
    standards = []
    for i in range(1, 4):
        klass = form.get(f"class_{i}", "").strip()
        if not klass:
            continue
        bp = percent_to_bp(form.get(f"ratio_{i}", ""))
        cap = amount_fen(form.get(f"cap_{i}", ""), f"cap_{i}", errors, required=True)
        if bp is None:
            errors[f"ratio_{i}"] = f"第{i}行奖补比例应为百分数，如 30 或 12.5"
        standards.append({"product_class": klass, "ratio_bp": bp, "cap_fen": cap})
    annual = amount_fen(form.get("annual_cap", ""), "annual_cap", errors)
    if errors:
        return _back(request, "/vouchers/city", "；".join(errors.values()))
    body, refused = read_form(
        s.CatalogueIn,
        {**form, "annual_cap_fen": annual, "standards": standards,
         "product_ids": [int(x) for x in raw.getlist("product_ids")
                         if isinstance(x, str) and x.isdigit()]},
    )  # fmt: skip
    if body is None:
        return _back(request, "/vouchers/city", _invalid(refused))
    return _run(
        request, db, "/vouchers/city", "已发布目录和奖补标准",
        lambda db: service.publish(db, user.principal, body),
    )  # fmt: skip


@router.post("/city/vouchers/{voucher_id}/settle", summary="核销服务券")
async def city_settle(
    request: Request, user: CityOfficerUser, db: PageDb, voucher_id: int
) -> Response:
    return _run(
        request, db, "/vouchers/city", "已核销，请在拨付记录中安排拨付",
        lambda db: issuing.settle(db, user.principal, voucher_id),
    )  # fmt: skip


@router.post("/city/evaluations", summary="年度评估")
async def city_evaluate(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    body, refused = read_form(s.EvaluationIn, form)
    if body is None:
        return _back(request, "/vouchers/city", _invalid(refused))
    return _run(
        request, db, "/vouchers/city", "已记录年度评估",
        lambda db: evaluation.evaluate(db, user.principal, body),
    )  # fmt: skip


# ---- provider ----------------------------------------------------------------------------


@router.get("/provider", summary="服务商工作台")
def provider(request: Request, user: ProviderUser, db: PageDb) -> Response:
    p = user.principal
    mine = service.own_provider(db, p)
    data = {
        "provider": {**service.provider_snapshot(mine),
                     "status_zh": lc.PROVIDER.status_zh[mine.status]} if mine else None,
        "may_apply": mine is None or mine.status in ("rejected", "removed"),
        "products": [s.ProductOut.model_validate(x).model_dump()
                     for x in service.list_products(db, p)],
        "vouchers": [_voucher_row(db, v, p) for v in issuing.list_vouchers(db, p)],
        "catalogue": _catalogue(db),
    }  # fmt: skip
    return page(request, "vouchers/provider.html", data, title="资源池服务商工作台")


@router.post("/provider/apply", summary="申请入池")
async def provider_apply(request: Request, user: ProviderUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    body, refused = read_form(s.ProviderIn, form)
    if body is None:
        return _back(request, "/vouchers/provider", _invalid(refused))
    return _run(
        request, db, "/vouchers/provider", "已提交入池申请",
        lambda db: service.apply(db, user.principal, body),
    )  # fmt: skip


@router.post("/provider/products", summary="登记产品")
async def provider_product(request: Request, user: ProviderUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    price = amount_fen(form.get("price", ""), "price", errors, required=True)
    if errors:
        return _back(request, "/vouchers/provider", "价格：" + errors["price"])
    body, refused = read_form(s.ProductIn, {**form, "price_fen": price or 0})
    if body is None:
        return _back(request, "/vouchers/provider", _invalid(refused))
    return _run(
        request, db, "/vouchers/provider", "已登记产品",
        lambda db: service.add_product(db, user.principal, body),
    )  # fmt: skip


@router.post("/provider/vouchers/{voucher_id}/redeem", summary="申请兑付")
async def provider_redeem(
    request: Request, user: ProviderUser, db: PageDb, voucher_id: int
) -> Response:
    return _run(
        request, db, "/vouchers/provider", "已申请兑付",
        lambda db: issuing.redeem(db, user.principal, voucher_id),
    )  # fmt: skip


# ---- firm ------------------------------------------------------------------------------


@router.get("/firm", summary="小微企业服务券")
def firm(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    p = user.principal
    vouchers = [_voucher_row(db, v, p) for v in issuing.list_vouchers(db, p)]
    data = {"catalogue": _catalogue(db), "vouchers": vouchers, "words": _words()}
    return page(request, "vouchers/firm.html", data, title="上云上平台服务券")


@router.post("/firm/take", summary="领取服务券")
async def firm_take(request: Request, user: EnterpriseUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    body, _refused = read_form(s.VoucherIn, form)
    if body is None:
        return _back(request, "/vouchers/firm", "产品：请从目录中选择产品")
    return _run(
        request, db, "/vouchers/firm", "已领取服务券",
        lambda db: issuing.issue(db, user.principal, body),
    )  # fmt: skip


@router.post("/firm/vouchers/{voucher_id}/{action}", summary="确认交付、放弃或评价")
async def firm_action(
    request: Request, user: EnterpriseUser, db: PageDb, voucher_id: int, action: str
) -> Response:
    p = user.principal
    form = form_dict(await request.form())
    if action == "confirm_delivery":
        return _run(request, db, "/vouchers/firm", "已确认交付",
                    lambda db: issuing.confirm_delivery(db, p, voucher_id))  # fmt: skip
    if action == "cancel":
        return _run(request, db, "/vouchers/firm", "已放弃服务券",
                    lambda db: issuing.cancel(db, p, voucher_id))  # fmt: skip
    if action == "rate":
        rating, _refused = read_form(s.RatingIn, form)
        if rating is None:
            return _back(request, "/vouchers/firm", "评价：请选择 1–5 分")
        return _run(request, db, "/vouchers/firm", "已评价",
                    lambda db: issuing.rate(db, p, voucher_id, rating))  # fmt: skip
    return _back(request, "/vouchers/firm", "未知操作")
