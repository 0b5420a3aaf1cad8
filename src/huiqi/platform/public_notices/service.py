"""公示 batches.

A batch starts today or later (Beijing date; nothing can backdate it) and lists only approved
applications of the publisher's own measures. An objection during the period is recorded and
shows on the public list as 有异议·核查中; the budget stays committed until an officer decides:
成立 sends the application back to city re-check and releases the commitment, 不成立 records the
reason (shown on the list) and the 公示 goes on. Closing a batch after its last working day
makes the undisputed applications payable; one whose objection is still being checked passes
only when the objection is dismissed."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from huiqi.cells import keep_text
from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application
from huiqi.platform.applications.service import WITHOUT_CASE, scope_query
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets.service import release_amount
from huiqi.platform.clock import business_today
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.pagination import Page, keyset_page
from huiqi.platform.policy import get_policy
from huiqi.platform.public_notices.calendar import load_calendar
from huiqi.platform.public_notices.models import (
    NoticeBatch,
    NoticeItem,
    Objection,
    ObjectionEvidence,
)
from huiqi.platform.public_notices.schemas import BatchIn, BatchOut, ItemOut, ObjectionIn
from huiqi.platform.public_notices.workdays import UnknownYear, end_of_period
from huiqi.platform.reviews.models import ReviewStep
from huiqi.rules.money import EXCEL_YUAN_FORMAT, fen_to_yuan


def may_close(p: Principal, batch: NoticeBatch) -> bool:
    """Whoever published the batch (or an admin) closes it; pages show the button only then."""
    return p.role == "admin" or (p.role == "city_officer" and batch.created_by == p.username)


def create_batch(db: Session, p: Principal, data: BatchIn, default_days: int) -> NoticeBatch:
    if p.role not in ("admin", "city_officer"):
        raise forbidden()
    today = business_today()
    start = data.start_date or today
    if start < today:
        raise ApiError(
            422,
            "not_in_past",
            f"公示开始日期不能早于今天（{today}，北京时间）：公示须让公众在整个公示期内看到",
            "start_date",
        )
    days = data.working_days or default_days
    ids = list(dict.fromkeys(data.application_ids))
    apps = []
    for i, app_id in enumerate(ids):
        app = db.scalar(select(Application).where(Application.id == app_id).with_for_update())
        if app is None or not lifecycle.acts_as(p, app) & {
            lifecycle.Actor.CITY,
            lifecycle.Actor.ADMIN,
        }:
            raise ApiError(
                404, "not_found", f"申报 {app_id} 不存在或无权公示", f"application_ids[{i}]"
            )
        if lifecycle.LIFECYCLE.find(app.status, Action.PUBLISH) is None:
            raise ApiError(
                409,
                "wrong_status",
                f"申报 {app_id} 尚未作出支持决定，不能公示",
                f"application_ids[{i}]",
            )
        apps.append(app)
    try:
        end = end_of_period(start, days, load_calendar(db))
    except UnknownYear as exc:
        # Refused rather than counted Monday–Friday: see workdays.py.
        raise ApiError(
            422,
            "holiday_calendar_missing",
            f"{exc.year} 年的法定节假日安排尚未录入，无法计算公示期截止日"
            "（请管理员先录入该年的节假日与调休安排）",
            "start_date" if exc.year == start.year else "working_days",
        ) from None
    batch = NoticeBatch(
        title=data.title, start_date=start, working_days=days, end_date=end, created_by=p.username
    )
    db.add(batch)
    db.flush()
    for app in apps:
        db.add(NoticeItem(batch_id=batch.id, application_id=app.id))
        lifecycle.LIFECYCLE.move(db, app, p, Action.PUBLISH)
    record(
        db,
        p,
        "notice.create",
        "notice_batch",
        batch.id,
        None,
        {**BatchOut.model_validate(batch).model_dump(mode="json"), "applications": ids},
    )
    db.commit()
    return batch


ITEM_STATE_ZH = {
    "listed": "公示中",
    "objected": "有异议·核查中",
    "passed": "公示无异议",
    "upheld": "异议成立，已撤出公示",
}


def dismissed_notes(db: Session, batch_id: int) -> dict[int, list[str]]:
    """application id -> the reasons objections to it were found 不成立 (public wording)."""
    notes: dict[int, list[str]] = {}
    for o in db.scalars(
        select(Objection)
        .where(Objection.batch_id == batch_id, Objection.status == "dismissed")
        .order_by(Objection.id)
    ):
        notes.setdefault(o.application_id, []).append(f"异议不成立：{o.decision_reason}")
    return notes


def _items_query(batch: NoticeBatch) -> Select[NoticeItem, Application, Enterprise]:
    return (
        select(NoticeItem, Application, Enterprise)
        .join(Application, Application.id == NoticeItem.application_id)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .where(NoticeItem.batch_id == batch.id)
        .options(*WITHOUT_CASE)  # an item shows the claim's amount, not its frozen case
    )


def _item_outs(db: Session, batch: NoticeBatch, rows: Sequence[Any]) -> list[ItemOut]:
    pol = get_policy()
    notes = dismissed_notes(db, batch.id)
    return [
        ItemOut(
            application_id=a.id,
            enterprise_name=e.name,
            credit_code=e.credit_code,
            district=e.district,
            measure_id=a.measure_id,
            measure_title=pol.measures[a.measure_id].title,
            amount_fen=a.decided_amount_fen if it.state != "upheld" else None,
            state=it.state,
            state_zh=ITEM_STATE_ZH.get(it.state, it.state),
            notes=notes.get(a.id, []),
        )
        for it, a, e in rows
    ]


def items(db: Session, batch: NoticeBatch) -> list[ItemOut]:
    """Every item of the batch (the export and the API's batch document)."""
    rows = db.execute(_items_query(batch).order_by(NoticeItem.id)).all()
    return _item_outs(db, batch, rows)


def items_page(
    db: Session, batch: NoticeBatch, *, cursor: str | None = None, limit: int | None = None
) -> Page[ItemOut]:
    """The batch's items in list order, one keyset page at a time (index (batch_id, id))."""
    page = keyset_page(
        db, "notice_items", _items_query(batch), [NoticeItem.id], lambda r: (r[0].id,),
        cursor=cursor, limit=limit, scalars=False,
    )  # fmt: skip
    return Page(
        items=_item_outs(db, batch, page.items),
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        limit=page.limit,
    )


def items_count(db: Session, batch: NoticeBatch) -> int:
    """How many applications the batch lists (all pages): an index-only COUNT on
    (batch_id, id)."""
    q = select(func.count()).select_from(NoticeItem).where(NoticeItem.batch_id == batch.id)
    return int(db.scalar(q) or 0)


def batches_page(
    db: Session, *, cursor: str | None = None, limit: int | None = None
) -> Page[NoticeBatch]:
    """公示 batches, newest first (public: every batch is published)."""
    return keyset_page(
        db, "notices", select(NoticeBatch), [NoticeBatch.id], lambda b: (b.id,),
        cursor=cursor, limit=limit, descending=True,
    )  # fmt: skip


def approved_page(
    db: Session, p: Principal, *, cursor: str | None = None, limit: int | None = None
) -> Page[Any]:
    """Decided awards not yet published, in the officer's scope: (application, firm name)."""
    q = (
        scope_query(p)
        .where(Application.status == "approved")
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .add_columns(Enterprise.name)
    )
    return keyset_page(
        db, "approved", q, [Application.id], lambda r: (r[0].id,), cursor=cursor, limit=limit,
        scalars=False,
    )  # fmt: skip


def get_batch(db: Session, batch_id: int) -> NoticeBatch:
    batch = db.get(NoticeBatch, batch_id)
    if batch is None:
        raise not_found("公示批次", "batch_id")
    return batch


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    content_type: str
    data: bytes


# Anonymous (public) filings: at most this many per client address per batch, and one per
# 居民身份证 number per application (plus this many per number per batch).
PUBLIC_PER_ADDRESS = 3
PUBLIC_PER_ID_NUMBER = 3


def object_to(db: Session, p: Principal, batch_id: int, data: ObjectionIn) -> Objection:
    """A logged-in user's objection."""
    fields = data.model_dump()
    return file_objection(db, p, batch_id, fields, fields)


def _limit_public(db: Session, batch: NoticeBatch, fields: dict[str, Any]) -> None:
    """Without an account anyone could flood a list with objections: limit per real client
    address and per ID number (counted in the database, so every worker sees the same)."""
    if fields.get("channel") != "public":
        return
    base = select(func.count(Objection.id)).where(
        Objection.batch_id == batch.id, Objection.channel == "public"
    )
    address = fields.get("client_address")
    if address and (db.scalar(base.where(Objection.client_address == address)) or 0) >= (
        PUBLIC_PER_ADDRESS
    ):
        raise ApiError(
            429,
            "objection_limit",
            f"同一网络地址对本批公示最多提出 {PUBLIC_PER_ADDRESS} 项异议",
            "batch_id",
        )
    number = fields.get("id_number")
    same = base.where(Objection.id_number == number)
    if db.scalar(same.where(Objection.application_id == fields["application_id"])):
        raise ApiError(
            409,
            "already_objected",
            "该身份证号已对这份申报提出过异议，请等待审核部门核查",
            "id_number",
        )
    if (db.scalar(same) or 0) >= PUBLIC_PER_ID_NUMBER:
        raise ApiError(
            429,
            "objection_limit",
            f"同一身份证号对本批公示最多提出 {PUBLIC_PER_ID_NUMBER} 项异议",
            "id_number",
        )


def file_objection(
    db: Session,
    p: Principal,
    batch_id: int,
    fields: dict[str, Any],
    audit_after: dict[str, Any],
    evidence: Sequence[EvidenceFile] = (),
) -> Objection:
    """Record an objection (with its evidence files); the item shows 有异议·核查中 until an
    officer decides (decide_objection). One transaction: on any error nothing is written.
    `fields` are Objection columns (application_id, real_name, contact, reason, evidence, …);
    `audit_after` is what the audit log keeps, so callers can leave personal numbers out of
    the append-only chain."""
    batch = get_batch(db, batch_id)
    day = business_today()
    if batch.status != "open" or not batch.start_date <= day <= batch.end_date:
        raise ApiError(
            409,
            "not_in_period",
            f"不在公示期内（{batch.start_date} 至 {batch.end_date}），不能提出异议",
            "batch_id",
        )
    item = db.scalar(
        select(NoticeItem)
        .where(
            NoticeItem.batch_id == batch.id, NoticeItem.application_id == fields["application_id"]
        )
        .with_for_update()
    )
    if item is None:
        raise ApiError(404, "not_found", "该申报不在本批公示名单中", "application_id")
    if item.state == "upheld":
        raise ApiError(
            409, "withdrawn_from_notice", "该申报的异议已成立，已撤出公示名单", "application_id"
        )
    _limit_public(db, batch, fields)
    app = db.scalar(
        select(Application).where(Application.id == item.application_id).with_for_update()
    )
    assert app is not None
    # Row locks (application, budget pool) are taken before the audit head: every service
    # appends to the audit chain last, so lock order is the same everywhere and cannot deadlock.
    obj = Objection(batch_id=batch.id, filed_by=p.username, status="pending", **fields)
    db.add(obj)
    db.flush()
    for f in evidence:
        db.add(
            ObjectionEvidence(
                objection_id=obj.id,
                filename=f.filename,
                content_type=f.content_type,
                size_bytes=len(f.data),
                sha256=hashlib.sha256(f.data).hexdigest(),
                data=f.data,
            )
        )
    item.state = "objected"
    db.add(
        ReviewStep(
            application_id=app.id,
            stage="objection",
            outcome="filed",
            opinion=fields["reason"],
            reviewer=p.username,
            details={"objection_id": obj.id, "real_name": fields["real_name"]},
        )
    )
    files = [{"filename": f.filename, "bytes": len(f.data)} for f in evidence]
    after = {k: v for k, v in audit_after.items() if k != "client_address"}
    after = {**after, "evidence_files": files} if files else after
    record(db, p, "notice.objection", "objection", obj.id, None, after)
    db.commit()
    return obj


def decide_objection(
    db: Session, p: Principal, objection_id: int, upheld: bool, reason: str
) -> Objection:
    """成立: the award leaves the list, its budget commitment is released and the application
    goes back to city re-check. 不成立: the reason is recorded and shown on the public list; the
    公示 goes on (or, if the batch has closed meanwhile, the application passes it now)."""
    obj = db.scalar(select(Objection).where(Objection.id == objection_id).with_for_update())
    if obj is None:
        raise not_found("异议", "objection_id")
    app = db.scalar(
        select(Application).where(Application.id == obj.application_id).with_for_update()
    )
    assert app is not None
    if not lifecycle.acts_as(p, app) & {lifecycle.Actor.CITY, lifecycle.Actor.ADMIN}:
        raise not_found("异议", "objection_id")  # outside the officer's measures: no leak
    if obj.status != "pending":
        raise ApiError(409, "already_decided", "该异议已核查决定", "objection_id")
    if not reason.strip():
        raise ApiError(422, "required", "请写明核查结论的理由", "reason")
    item = db.scalar(
        select(NoticeItem)
        .where(NoticeItem.batch_id == obj.batch_id, NoticeItem.application_id == app.id)
        .with_for_update()
    )
    batch = db.get(NoticeBatch, obj.batch_id)
    assert item is not None and batch is not None
    before = {"status": obj.status, "item_state": item.state}
    obj.status = "upheld" if upheld else "dismissed"
    obj.decision_reason = reason.strip()
    obj.decided_by = p.username
    obj.decided_at = utcnow()
    db.add(
        ReviewStep(
            application_id=app.id, stage="objection", outcome=obj.status,
            opinion=obj.decision_reason, reviewer=p.username,
            details={"objection_id": obj.id},
        )
    )  # fmt: skip
    if upheld:
        # Back to city re-check: the commitment is released so the budget shows real headroom.
        item.state = "upheld"
        for other in db.scalars(
            select(Objection).where(
                Objection.batch_id == obj.batch_id,
                Objection.application_id == app.id,
                Objection.status == "pending",
            )
        ):
            other.status, other.decided_by, other.decided_at = "upheld", p.username, utcnow()
            other.decision_reason = f"同一申报的异议（{obj.id}）已成立"
        assert app.decided_amount_fen is not None
        release_amount(db, app.measure_id, app.fiscal_year, app.decided_amount_fen)
        lifecycle.LIFECYCLE.move(db, app, p, Action.OBJECTION_UPHELD, decided_amount_fen=None,
                       decision_reason=None)  # fmt: skip
    else:
        pending = db.scalar(
            select(func.count(Objection.id)).where(
                Objection.batch_id == obj.batch_id,
                Objection.application_id == app.id,
                Objection.status == "pending",
                Objection.id != obj.id,
            )
        )
        if not pending:
            if batch.status == "closed":
                item.state = "passed"
                lifecycle.LIFECYCLE.move(db, app, p, Action.NOTICE_PASSED)
            else:
                item.state = "listed"
    db.flush()
    after = {"status": obj.status, "item_state": item.state, "reason": obj.decision_reason}
    record(db, p, f"notice.objection.{obj.status}", "objection", obj.id, before, after)
    db.commit()
    return obj


def close_batch(db: Session, p: Principal, batch_id: int) -> NoticeBatch:
    if p.role not in ("admin", "city_officer"):
        raise forbidden()
    batch = db.scalar(select(NoticeBatch).where(NoticeBatch.id == batch_id).with_for_update())
    if batch is None:
        raise not_found("公示批次", "batch_id")
    if not may_close(p, batch):
        raise forbidden("只有发布该批公示的审核员或管理员可以结束公示")
    day = business_today()
    if batch.status != "open":
        raise ApiError(409, "closed", "该批公示已结束", "batch_id")
    if day <= batch.end_date:
        raise ApiError(
            409, "period_running", f"公示期至 {batch.end_date} 止，期满后才能结束", "batch_id"
        )
    listed = list(
        db.scalars(
            select(NoticeItem)
            .where(NoticeItem.batch_id == batch.id, NoticeItem.state == "listed")
            .order_by(NoticeItem.application_id)
            .with_for_update()
        )
    )
    # Lock every application first (in id order), then write: the audit head is taken last.
    apps = [
        db.scalar(select(Application).where(Application.id == it.application_id).with_for_update())
        for it in listed
    ]
    for item, app in zip(listed, apps, strict=True):
        assert app is not None
        item.state = "passed"
        lifecycle.LIFECYCLE.move(db, app, p, Action.NOTICE_PASSED)
    batch.status = "closed"
    record(
        db, p, "notice.close", "notice_batch", batch.id, {"status": "open"}, {"status": "closed"}
    )
    db.commit()
    return batch


def export_xlsx(db: Session, batch: NoticeBatch) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "公示名单"
    ws.append(
        [
            f"{batch.title}（公示期 {batch.start_date} 至 {batch.end_date}，"
            f"{batch.working_days} 个工作日）"
        ]
    )
    ws["A1"].font = Font(bold=True)
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属区",
        "措施编号",
        "支持事项",
        "拟支持金额（元）",
        "状态",
    ]
    ws.append(header)
    for i, it in enumerate(items(db, batch), start=1):
        amount = fen_to_yuan(it.amount_fen) if it.amount_fen is not None else None
        ws.append(
            [
                i,
                it.enterprise_name,
                it.credit_code,
                it.district,
                it.measure_id,
                it.measure_title,
                amount,
                ITEM_STATE_ZH.get(it.state, it.state),
            ]
        )
    for row in ws.iter_rows(min_row=3, min_col=7, max_col=7):
        row[0].number_format = EXCEL_YUAN_FORMAT  # a number people can sum, read in 元
    for col, width in zip("ABCDEFGH", (6, 30, 22, 14, 10, 36, 18, 14), strict=True):
        ws.column_dimensions[col].width = width
    keep_text(ws)  # a firm's name is the firm's own text: never a live formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def batches_listing(db: Session, app_id: int) -> list[tuple[NoticeBatch, NoticeItem]]:
    """The 公示 batches that listed an application, with its item in each, oldest first."""
    q = (
        select(NoticeBatch, NoticeItem)
        .join(NoticeItem, NoticeItem.batch_id == NoticeBatch.id)
        .where(NoticeItem.application_id == app_id)
        .order_by(NoticeBatch.id)
    )
    return [(batch, item) for batch, item in db.execute(q)]
