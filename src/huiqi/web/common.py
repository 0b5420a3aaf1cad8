"""Shared bits of the role pages: DB session per request, amounts typed by people, timelines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import amend
from huiqi.platform.applications.models import Application
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.reviews.models import ReviewStep
from huiqi.rules.cn_input import parse_chinese_amount
from huiqi.web.formatting import NON_ACCOUNTS, person_of_user
from huiqi.web.render import policy


def open_db(request: Request) -> Session:
    db: Session = request.app.state.sessionmaker()
    return db


def amount_fen(
    text: str, field: str, errors: dict[str, str], *, required: bool = False
) -> int | None:
    """'800万' / '１.２亿' / '1,234.56' -> fen; a Chinese message beside `field` otherwise."""
    text = (text or "").strip()
    if not text:
        if required:
            errors[field] = "请填写金额"
        return None
    value = parse_chinese_amount(text)
    if value is None:
        errors[field] = f"无法识别的金额：“{text}”（示例：1234.56、500万元、1.2亿）"
        return None
    if value < 0:
        errors[field] = "金额不能为负数"
        return None
    fen = value * 100
    if fen != fen.to_integral_value():
        errors[field] = "金额最多精确到分"
        return None
    return int(Decimal(fen))


def form_dict(raw: Any) -> dict[str, str]:
    return {k: v for k, v in raw.items() if isinstance(v, str)}


def app_row(app: Application, ent_name: str = "") -> dict[str, Any]:
    pol = policy()
    m = pol.measures.get(app.measure_id)
    return {
        "id": app.id,
        "enterprise_id": app.enterprise_id,
        "enterprise_name": ent_name,
        "measure_id": app.measure_id,
        "measure_title": m.title if m else app.measure_id,
        "measure_kind": m.kind if m else "",
        "fiscal_year": app.fiscal_year,
        "project_id": app.project_id,
        "status": app.status,
        "source": app.source,
        "engine_status": app.engine_status,
        "engine_amount_fen": app.engine_amount_fen,
        "requested_amount_fen": app.requested_amount_fen,
        "decided_amount_fen": app.decided_amount_fen,
        "decision_reason": app.decision_reason,
        "statement": app.statement,
        "submitted_at": app.submitted_at,
    }


# The path every application walks; the timeline greys out the stages still ahead.
STAGES = [
    ("submitted", "提交申报"),
    ("district", "区级初审"),
    ("city", "市级复核"),
    ("decision", "作出决定"),
    ("notice", "公示"),
    ("paid", "拨付"),
]
_REACHED = {
    "draft": 0,
    "candidate": 0,
    "declined": 0,
    "submitted": 1,
    "district_passed": 2,
    "expert_review": 3,
    "city_passed": 3,
    "approved": 4,
    "rejected": 6,
    "in_notice": 5,
    "noticed": 5,
    "paid": 6,
    "returned": 1,  # back before district review once the firm amends it
    "withdrawn": 6,  # terminal: nothing ahead
}


def steps_of(db: Session, app_id: int) -> list[ReviewStep]:
    return list(
        db.scalars(
            select(ReviewStep).where(ReviewStep.application_id == app_id).order_by(ReviewStep.id)
        )
    )


def versions_of(db: Session, p: Principal, app_id: int) -> list[dict[str, Any]]:
    """Every frozen snapshot of the application, for _versions.html (the evaluation left out).
    Times stay datetimes, so the page shows them in Beijing time (the |date filter)."""
    return [v.model_dump(exclude={"evaluation"}) for v in amend.versions(db, p, app_id)]


def notices_of(db: Session, app_id: int) -> list[Any]:
    from huiqi.platform.public_notices.models import NoticeBatch, NoticeItem

    q = (
        select(NoticeBatch, NoticeItem)
        .join(NoticeItem, NoticeItem.batch_id == NoticeBatch.id)
        .where(NoticeItem.application_id == app_id)
        .order_by(NoticeBatch.id)
    )
    return [tuple(row) for row in db.execute(q)]


def live_claims(db: Session, enterprise_id: int, fiscal_year: int) -> dict[str, dict[str, Any]]:
    """measure id -> the firm's claim of that year already in review or decided (drafts and
    withdrawn claims may be taken over by a new submission, so they are not listed)."""
    rows = db.scalars(
        select(Application).where(
            Application.enterprise_id == enterprise_id,
            Application.fiscal_year == fiscal_year,
            Application.project_id.is_(None),
            Application.status.not_in(("draft", "withdrawn")),
        )
    )
    return {a.measure_id: {"id": a.id, "status": a.status} for a in rows}


def people(db: Session | None, usernames: set[str]) -> dict[str, str]:
    """Account name -> how a page names that person (unit and role; the firm by its name)."""
    out = {name: NON_ACCOUNTS[name] for name in usernames if name in NON_ACCOUNTS}
    wanted = usernames - set(out)
    if db is None or not wanted:
        return {name: out.get(name, "工作人员") for name in usernames}
    for user in db.scalars(select(User).where(User.username.in_(wanted))):
        firm = db.get(Enterprise, user.enterprise_id) if user.enterprise_id else None
        out[user.username] = person_of_user(user, firm.name if firm else None)
    return {name: out.get(name, "工作人员") for name in usernames}


def timeline(
    app: Application, steps: list[ReviewStep], payments: list[Any], db: Session | None = None
) -> list[dict[str, Any]]:
    """What happened (dated) followed by what is still to come (greyed)."""
    from huiqi.web.render import OUTCOME_ZH, STAGE_ZH

    # The first submission keeps its own time: submitted_at moves with every 补正 and
    # re-application (those appear as their own steps), so it would sort 提交申报 after them.
    first = app.first_submitted_at or app.submitted_at
    who = people(db, {app.created_by or ""} | {s.reviewer or "" for s in steps})

    events: list[dict[str, Any]] = [
        {
            "done": True,
            "title": "企业确认免申即享"
            if app.source == "campaign"
            else ("保存草稿（尚未提交）" if app.status == "draft" else "提交申报"),
            "when": app.submitted_at if app.status == "draft" else first,
            "detail": f"由{who[app.created_by or '']}"
            + ("保存" if app.status == "draft" else "提交")
            + f"；政策版本 {app.policy_version}"
            + ("" if app.status == "draft" else "；快照第 1 版"),
        }
    ]
    for s in steps:
        amount = (s.details or {}).get("amount_fen")
        detail = s.opinion or ""
        if amount:
            from huiqi.rules.money import format_yuan

            detail = f"核定金额 {format_yuan(int(amount))}。{detail}"
        if s.stage in ("amend", "reapply"):
            detail = f"快照第 {(s.details or {}).get('version')} 版（重新测算）。{detail}"
        events.append(
            {
                "done": True,
                "title": STAGE_ZH.get(s.stage, s.stage)
                + "："
                + OUTCOME_ZH.get(s.outcome, s.outcome),
                "when": s.created_at,
                "detail": f"{detail}（{who[s.reviewer or '']}）",
            }
        )
    for pay in payments:
        if pay.status == "paid":
            payer = "市级" if pay.payer == "city" else "区级"
            events.append(
                {
                    "done": True,
                    "title": f"{payer}资金已拨付",
                    "when": pay.paid_at,
                    "detail": f"凭证 {pay.voucher}",
                }
            )
    for batch, item in notices_of(db, app.id) if db is not None else []:
        state = {"listed": "公示中", "objected": "有异议，退回复核", "passed": "公示无异议"}
        events.append(
            {
                "done": True,
                "title": f"列入公示：{batch.title}",
                "when": batch.created_at,
                "detail": f"公示期 {batch.start_date} 至 {batch.end_date}；"
                + state.get(item.state, item.state),
            }
        )
    events.sort(key=lambda e: e["when"])  # stable: same-instant events keep their order
    reached = _REACHED.get(app.status, 0)
    if app.status not in ("rejected", "declined", "withdrawn"):
        for i, (_key, title) in enumerate(STAGES):
            if i >= reached and (i > 0 or app.status == "draft"):
                events.append({"done": False, "title": f"待{title}", "when": None, "detail": ""})
    return events


def beijing_today() -> dt.date:
    return business_today()
