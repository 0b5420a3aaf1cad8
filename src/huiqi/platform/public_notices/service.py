"""公示 batches. An objection during the period sends the application back to city re-check and
releases its budget commitment; closing a batch after its period makes the rest payable."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import Application
from huiqi.platform.applications.service import measures_of_units, transition
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.budgets.service import release_amount
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
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


def _may_publish(p: Principal, app: Application) -> bool:
    return p.role == "admin" or (
        p.role == "city_officer" and app.measure_id in measures_of_units(p.units)
    )


def create_batch(
    db: Session, p: Principal, data: BatchIn, default_days: int, today: dt.date | None = None
) -> NoticeBatch:
    if p.role not in ("admin", "city_officer"):
        raise forbidden()
    start = data.start_date or today or dt.date.today()
    days = data.working_days or default_days
    ids = list(dict.fromkeys(data.application_ids))
    apps = []
    for i, app_id in enumerate(ids):
        app = db.scalar(select(Application).where(Application.id == app_id).with_for_update())
        if app is None or not _may_publish(p, app):
            raise ApiError(
                404, "not_found", f"申报 {app_id} 不存在或无权公示", f"application_ids[{i}]"
            )
        if app.status != "approved":
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
        transition(db, app, p, "notice.list", "in_notice")
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


def items(db: Session, batch: NoticeBatch) -> list[ItemOut]:
    pol = get_policy()
    rows = db.execute(
        select(NoticeItem, Application, Enterprise)
        .join(Application, Application.id == NoticeItem.application_id)
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .where(NoticeItem.batch_id == batch.id)
        .order_by(NoticeItem.id)
    )
    return [
        ItemOut(
            application_id=a.id,
            enterprise_name=e.name,
            credit_code=e.credit_code,
            district=e.district,
            measure_id=a.measure_id,
            measure_title=pol.measures[a.measure_id].title,
            amount_fen=a.decided_amount_fen,
            state=it.state,
        )
        for it, a, e in rows
    ]


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


def object_to(
    db: Session, p: Principal, batch_id: int, data: ObjectionIn, today: dt.date | None = None
) -> Objection:
    """A logged-in user's objection."""
    fields = data.model_dump()
    return file_objection(db, p, batch_id, fields, fields, today=today)


def file_objection(
    db: Session,
    p: Principal,
    batch_id: int,
    fields: dict[str, Any],
    audit_after: dict[str, Any],
    evidence: Sequence[EvidenceFile] = (),
    today: dt.date | None = None,
) -> Objection:
    """Record an objection (with its evidence files) and send the application back to city
    re-check. One transaction: on any error nothing is written. `fields` are Objection columns
    (application_id, real_name, contact, reason, evidence, …); `audit_after` is what the audit
    log keeps, so callers can leave personal numbers out of the append-only chain."""
    batch = get_batch(db, batch_id)
    day = today or dt.date.today()
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
    app = db.scalar(
        select(Application).where(Application.id == item.application_id).with_for_update()
    )
    assert app is not None
    # Row locks (application, budget pool) are taken before the audit head: every service
    # appends to the audit chain last, so lock order is the same everywhere and cannot deadlock.
    obj = Objection(batch_id=batch.id, filed_by=p.username, **fields)
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
    if item.state == "listed":
        # Back to city re-check: the commitment is released so the budget shows real headroom.
        item.state = "objected"
        assert app.decided_amount_fen is not None
        release_amount(db, app.measure_id, app.fiscal_year, app.decided_amount_fen)
        db.add(
            ReviewStep(
                application_id=app.id,
                stage="objection",
                outcome="reopen",
                opinion=fields["reason"],
                reviewer=p.username,
                details={"objection_id": obj.id, "real_name": fields["real_name"]},
            )
        )
        transition(
            db,
            app,
            p,
            "notice.reopen",
            "district_passed",
            decided_amount_fen=None,
            decision_reason=None,
        )
    files = [{"filename": f.filename, "bytes": len(f.data)} for f in evidence]
    after = {**audit_after, "evidence_files": files} if files else audit_after
    record(db, p, "notice.objection", "objection", obj.id, None, after)
    db.commit()
    return obj


def close_batch(
    db: Session, p: Principal, batch_id: int, today: dt.date | None = None
) -> NoticeBatch:
    if p.role not in ("admin", "city_officer"):
        raise forbidden()
    batch = db.scalar(select(NoticeBatch).where(NoticeBatch.id == batch_id).with_for_update())
    if batch is None:
        raise not_found("公示批次", "batch_id")
    if batch.created_by != p.username and p.role != "admin":
        raise forbidden("只有发布该批公示的审核员或管理员可以结束公示")
    day = today or dt.date.today()
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
        transition(db, app, p, "notice.passed", "noticed")
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
    state_zh = {"listed": "公示中", "objected": "有异议，复核中", "passed": "公示无异议"}
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
                state_zh.get(it.state, it.state),
            ]
        )
    for row in ws.iter_rows(min_row=3, min_col=7, max_col=7):
        row[0].number_format = EXCEL_YUAN_FORMAT  # a number people can sum, read in 元
    for col, width in zip("ABCDEFGH", (6, 30, 22, 14, 10, 36, 18, 14), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
