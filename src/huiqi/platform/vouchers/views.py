from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.vouchers import evaluation, issuing, service
from huiqi.platform.vouchers import schemas as s
from huiqi.platform.vouchers.models import PoolProduct, PoolProvider, ProviderEvaluation, Voucher

router = APIRouter(prefix="/vouchers", tags=["上云资源池与服务券"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Year = Annotated[int, Query(ge=2022, le=2100)]
City = Annotated[Principal, Depends(require("city_officer", "admin"))]
Provider = Annotated[Principal, Depends(require("provider"))]
Firm = Annotated[Principal, Depends(require("enterprise"))]
Involved = Annotated[Principal, Depends(require("enterprise", "provider", "city_officer", "admin"))]


@router.get("/public", summary="资源池名单与现行应用服务目录（公开）")
def public(db: Db) -> dict[str, Any]:
    ed = service.current_edition(db)
    return {
        "providers": [
            {"id": x.id, "name": x.name, "kind": x.kind, "kind_zh": s.KIND_ZH[x.kind]}
            for x in service.public_pool(db)
        ],
        "catalogue": service.edition_out(db, ed).model_dump(mode="json") if ed else None,
    }


@router.post("/providers", response_model=s.ProviderOut, status_code=201, summary="申请入池")
def apply(db: Db, p: Provider, body: s.ProviderIn) -> PoolProvider:
    return service.apply(db, p, body)


@router.get("/providers", response_model=list[s.ProviderOut], summary="资源池服务商")
def providers(
    db: Db,
    p: Annotated[Principal, Depends(require("provider", "city_officer", "admin"))],
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> list[PoolProvider]:
    return service.list_providers(db, p, status)


@router.post(
    "/providers/{provider_id}/{action}", response_model=s.ProviderOut, summary="入池审核与动态管理"
)
def decide(
    db: Db,
    p: City,
    provider_id: Id,
    action: Literal["admit", "reject", "suspend", "reinstate", "remove"],
    body: s.ReasonIn,
) -> PoolProvider:
    return service.decide(db, p, provider_id, action, body.reason)


@router.post("/products", response_model=s.ProductOut, status_code=201, summary="登记应用服务产品")
def add_product(db: Db, p: Provider, body: s.ProductIn) -> PoolProduct:
    return service.add_product(db, p, body)


@router.get("/products", response_model=list[s.ProductOut], summary="应用服务产品")
def products(
    db: Db, p: Annotated[Principal, Depends(require("provider", "city_officer", "admin"))]
) -> list[PoolProduct]:
    return service.list_products(db, p)


@router.post(
    "/catalogues", response_model=s.CatalogueOut, status_code=201,
    summary="发布年度应用服务目录和奖补标准（新版本）",
)  # fmt: skip
def publish(db: Db, p: City, body: s.CatalogueIn) -> s.CatalogueOut:
    return service.edition_out(db, service.publish(db, p, body))


@router.get(
    "/catalogues", response_model=list[s.CatalogueOut], summary="各年度目录与标准（全部版本）"
)
def catalogues(db: Db, p: Involved, year: Year | None = None) -> list[s.CatalogueOut]:
    return [service.edition_out(db, e) for e in service.list_editions(db, year)]


@router.get(
    "/catalogues/{catalogue_id}", response_model=s.CatalogueOut, summary="目录与标准的一个版本"
)
def catalogue(db: Db, p: Involved, catalogue_id: Id) -> s.CatalogueOut:
    return service.edition_out(db, service.get_edition(db, catalogue_id))


@router.post(
    "/evaluations", response_model=s.EvaluationOut, status_code=201, summary="年度上云上平台评估"
)
def evaluate(db: Db, p: City, body: s.EvaluationIn) -> ProviderEvaluation:
    return evaluation.evaluate(db, p, body)


@router.get("/evaluations", response_model=list[s.EvaluationOut], summary="年度评估结果")
def evaluations(db: Db, p: City, year: Year | None = None) -> list[ProviderEvaluation]:
    return evaluation.list_evaluations(db, p, year)


@router.get("/candidates", summary="评价优秀的服务商（3.2.2 候选）及其申报")
def candidates(db: Db, p: City, year: Year) -> list[dict[str, Any]]:
    return evaluation.candidates(db, p, year)


# voucher routes last: /{voucher_id} would otherwise shadow the fixed paths above
@router.post("", response_model=s.VoucherOut, status_code=201, summary="领取服务券（小微企业）")
def take(db: Db, p: Firm, body: s.VoucherIn) -> Voucher:
    return issuing.issue(db, p, body)


@router.get("", response_model=list[s.VoucherOut], summary="服务券（企业、服务商只见本方）")
def vouchers(db: Db, p: Involved) -> list[Voucher]:
    return issuing.list_vouchers(db, p)


@router.get("/{voucher_id}", response_model=s.VoucherOut, summary="服务券详情与金额说明")
def voucher(db: Db, p: Involved, voucher_id: Id) -> Voucher:
    return issuing.get_voucher(db, p, voucher_id)


@router.post("/{voucher_id}/cancel", response_model=s.VoucherOut, summary="放弃服务券")
def cancel(db: Db, p: Firm, voucher_id: Id) -> Voucher:
    return issuing.cancel(db, p, voucher_id)


@router.post("/{voucher_id}/delivered", response_model=s.VoucherOut, summary="确认交付")
def delivered(db: Db, p: Firm, voucher_id: Id) -> Voucher:
    return issuing.confirm_delivery(db, p, voucher_id)


@router.post("/{voucher_id}/rating", response_model=s.VoucherOut, summary="评价服务（交付后）")
def rating(db: Db, p: Firm, voucher_id: Id, body: s.RatingIn) -> Voucher:
    return issuing.rate(db, p, voucher_id, body)


@router.post("/{voucher_id}/redeem", response_model=s.VoucherOut, summary="申请兑付（服务商）")
def redeem(db: Db, p: Provider, voucher_id: Id) -> Voucher:
    return issuing.redeem(db, p, voucher_id)


@router.post("/{voucher_id}/settle", response_model=s.VoucherOut, summary="核销并进入拨付")
def settle(db: Db, p: City, voucher_id: Id) -> Voucher:
    return issuing.settle(db, p, voucher_id)
