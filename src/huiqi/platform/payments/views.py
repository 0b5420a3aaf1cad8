from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select

from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.payments import service
from huiqi.platform.payments.models import Payment, PaymentShare
from huiqi.platform.payments.schemas import PaidIn, PaymentOut, ShareIn, ShareOut

router = APIRouter(prefix="/payments", tags=["拨付"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Officer = Annotated[Principal, Depends(require("city_officer", "district_officer", "admin"))]


@router.get("/shares", response_model=list[ShareOut], summary="各措施市/区分担比例")
def shares(
    db: Db, p: Annotated[Principal, Depends(require("admin", "city_officer", "district_officer"))]
) -> list[PaymentShare]:
    return list(db.scalars(select(PaymentShare).order_by(PaymentShare.measure_id)))


@router.put(
    "/shares/{measure_id}", response_model=ShareOut, summary="设置措施的市/区分担比例（管理员）"
)
def put_share(
    db: Db,
    p: Annotated[Principal, Depends(require("admin"))],
    measure_id: Annotated[str, Path(max_length=32)],
    body: ShareIn,
) -> PaymentShare:
    return service.set_share(db, p, measure_id, body)


@router.post(
    "/applications/{application_id}",
    response_model=list[PaymentOut],
    status_code=201,
    summary="按分担比例安排拨付",
)
def schedule(
    db: Db, p: Annotated[Principal, Depends(require("city_officer", "admin"))], application_id: Id
) -> list[Payment]:
    return service.schedule(db, p, application_id)


@router.get(
    "/applications/{application_id}", response_model=list[PaymentOut], summary="申报的拨付记录"
)
def list_payments(
    db: Db,
    p: Annotated[
        Principal, Depends(require("enterprise", "city_officer", "district_officer", "admin"))
    ],
    application_id: Id,
) -> list[Payment]:
    return service.list_for(db, p, application_id)


@router.post(
    "/{payment_id}/paid", response_model=PaymentOut, summary="确认拨付到账（市级或区级部分）"
)
def paid(db: Db, p: Officer, payment_id: Id, body: PaidIn) -> Payment:
    return service.mark_paid(db, p, payment_id, body.voucher)
