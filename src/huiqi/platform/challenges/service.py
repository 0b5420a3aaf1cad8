"""揭榜挂帅 board: publishing batches, 揭榜 by a unit or a 联合体, selection, agreement and
milestone reports. Expert scoring is in scoring.py, the 考核认定 and its 3.6.1 claim in
assessment.py. Every write is one transaction with its audit entry."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges import lifecycle
from huiqi.platform.challenges.access import (
    bid_query as bid_query,
)
from huiqi.platform.challenges.access import (
    ensure_board_officer as ensure_board_officer,
)
from huiqi.platform.challenges.access import (
    get_bid as get_bid,
)
from huiqi.platform.challenges.access import (
    is_board_officer as is_board_officer,
)
from huiqi.platform.challenges.access import (
    parties as parties,
)
from huiqi.platform.challenges.access import (
    party_enterprises as party_enterprises,
)
from huiqi.platform.challenges.lifecycle import Action, Status, board_unit
from huiqi.platform.challenges.models import (
    ChallengeBatch,
    ChallengeBid,
    ChallengeParty,
    ChallengeReport,
    ChallengeTask,
)
from huiqi.platform.challenges.schemas import (
    AgreementIn,
    BatchIn,
    BidIn,
    BidOut,
    PartyOut,
    ReportOut,
    TaskOut,
)
from huiqi.platform.challenges.scoring import ensure_scores_in, score_out, scores_of
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.materials.service import Upload
from huiqi.platform.materials.storage import check_upload, store
from huiqi.rules.credit_code import validate_credit_code
from huiqi.rules.errors import InputError

# ---- batches and tasks ---------------------------------------------------------------------


def publish_batch(db: Session, p: Principal, data: BatchIn) -> ChallengeBatch:
    ensure_board_officer(p)
    today = business_today()
    for i, t in enumerate(data.tasks):
        if t.deadline < today:
            raise ApiError(
                422,
                "deadline_past",
                f"揭榜截止日 {t.deadline} 早于今天 {today}（北京时间），不能发布已截止的榜单",
                f"tasks[{i}].deadline",
            )
    batch = ChallengeBatch(
        year=data.year, title=data.title.strip(), published_by=p.username, unit=board_unit()
    )
    db.add(batch)
    db.flush()
    tasks = [ChallengeTask(batch_id=batch.id, **t.model_dump()) for t in data.tasks]
    db.add_all(tasks)
    db.flush()
    after = {
        "year": batch.year,
        "title": batch.title,
        "tasks": [TaskOut.model_validate(t).model_dump(mode="json") for t in tasks],
    }
    record(db, p, "challenge.batch.publish", "challenge_batch", batch.id, None, after)
    db.commit()
    return batch


def batches(db: Session) -> list[ChallengeBatch]:
    return list(db.scalars(select(ChallengeBatch).order_by(ChallengeBatch.id.desc())))


def tasks_of(db: Session, batch_id: int | None = None) -> list[ChallengeTask]:
    q = select(ChallengeTask).order_by(ChallengeTask.id)
    if batch_id is not None:
        q = q.where(ChallengeTask.batch_id == batch_id)
    return list(db.scalars(q))


def get_task(db: Session, task_id: int) -> ChallengeTask:
    task = db.get(ChallengeTask, task_id)
    if task is None:
        raise not_found("榜单", "task_id")
    return task


def is_open(task: ChallengeTask) -> bool:
    return business_today() <= task.deadline


# a bid in these statuses is the task's 揭榜成功方 (or was: the project it became)
CHOSEN = (Status.SELECTED, Status.IN_PROGRESS, Status.PASSED, Status.FAILED)


def winner_of(db: Session, task_id: int) -> int | None:
    q = select(ChallengeBid.id).where(
        ChallengeBid.task_id == task_id, ChallengeBid.status.in_(CHOSEN)
    )
    return db.scalar(q.limit(1))


# ---- bids ------------------------------------------------------------------------------------


def bids(db: Session, p: Principal, task_id: int | None = None) -> list[ChallengeBid]:
    q = bid_query(p).order_by(ChallengeBid.id)
    if task_id is not None:
        q = q.where(ChallengeBid.task_id == task_id)
    return list(db.scalars(q))


def _code(code: str, path: str) -> str:
    try:
        return validate_credit_code(code, path)
    except InputError as exc:
        e = exc.errors[0]
        raise ApiError(422, e.rule, e.message, path) from None


def _ensure_before_deadline(task: ChallengeTask, what: str) -> None:
    today = business_today()
    if today > task.deadline:
        raise ApiError(
            409,
            "deadline_passed",
            f"该榜单已于 {task.deadline} 截止揭榜（今天 {today}，北京时间），不能{what}",
            "task_id",
        )


def submit_bid(db: Session, p: Principal, task_id: int, data: BidIn) -> ChallengeBid:
    if p.role != "enterprise" or p.enterprise_id is None:
        raise forbidden("只有企业账号可以作为牵头单位揭榜")
    task = get_task(db, task_id)
    _ensure_before_deadline(task, "揭榜")
    if winner_of(db, task.id) is not None:
        raise ApiError(409, "task_taken", "该榜单已确定揭榜成功方，不再接受揭榜", "task_id")
    lead = db.get(Enterprise, p.enterprise_id)
    if lead is None:
        raise not_found("企业", "enterprise_id")
    lead_code = _code(lead.credit_code, "lead.credit_code")
    today = business_today()
    for i, step in enumerate(data.milestones):
        if step.due < today:
            raise ApiError(
                422, "due_past", f"里程碑计划完成日期 {step.due} 早于今天 {today}",
                f"milestones[{i}].due",
            )  # fmt: skip
    seen = {lead_code: "牵头单位"}
    rows = [
        ChallengeParty(role="lead", name=lead.name, credit_code=lead_code, enterprise_id=lead.id)
    ]
    for i, m in enumerate(data.members):
        code = _code(m.credit_code, f"members[{i}].credit_code")
        if code in seen:
            raise ApiError(
                422, "duplicate_party",
                f"统一社会信用代码 {code} 与{seen[code]}重复：联合体各方须为不同单位",
                f"members[{i}].credit_code",
            )  # fmt: skip
        seen[code] = f"第 {i + 1} 个成员"
        ent_id = db.scalar(select(Enterprise.id).where(Enterprise.credit_code == code))
        rows.append(
            ChallengeParty(
                role="member", name=m.name.strip(), credit_code=code, enterprise_id=ent_id
            )
        )
    bid = ChallengeBid(
        task_id=task.id, lead_enterprise_id=lead.id, status="", plan=data.plan,
        budget_fen=data.budget_fen, submitted_by=p.username,
        milestones=[{"title": m.title, "due": m.due.isoformat()} for m in data.milestones],
    )  # fmt: skip
    try:
        db.add(bid)
        db.flush()
        for row in rows:
            row.bid_id = bid.id
        db.add_all(rows)
        db.flush()
        parties_json = [PartyOut.model_validate(r).model_dump() for r in rows]
        lifecycle.LIFECYCLE.move(
            db, bid, p, Action.SUBMIT, new=True, extra={"parties": parties_json}
        )
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ApiError(
            409, "duplicate_bid", "本单位已作为牵头单位揭榜该榜单，不能重复揭榜", "task_id"
        ) from None
    return bid


def withdraw(db: Session, p: Principal, bid_id: int, reason: str) -> ChallengeBid:
    bid = get_bid(db, p, bid_id, lock=True)
    lifecycle.LIFECYCLE.check(p, bid, Action.WITHDRAW)
    _ensure_before_deadline(get_task(db, bid.task_id), "撤回")
    lifecycle.LIFECYCLE.move(db, bid, p, Action.WITHDRAW, selection_reason=_trimmed(reason))
    db.commit()
    return bid


def _trimmed(text: str) -> str:
    """The reason as stored; the table's reason_required guard refuses a blank one."""
    return (text or "").strip()


# ---- selection, agreement, milestone reports --------------------------------------------------


def select_bid(db: Session, p: Principal, bid_id: int, reason: str) -> ChallengeBid:
    bid = get_bid(db, p, bid_id, lock=True)
    lifecycle.LIFECYCLE.check(p, bid, Action.SELECT)
    reason = _trimmed(reason)
    ensure_scores_in(db, bid)
    # the task row is locked: two officers cannot each select a different bid of it
    db.scalar(select(ChallengeTask).where(ChallengeTask.id == bid.task_id).with_for_update())
    if winner_of(db, bid.task_id) is not None:
        raise ApiError(409, "one_per_task", "该榜单已确定揭榜成功方，每个榜单只确定一个", "bid_id")
    lifecycle.LIFECYCLE.move(
        db, bid, p, Action.SELECT, selection_reason=reason, decided_by=p.username
    )
    db.commit()
    return bid


def reject_bid(db: Session, p: Principal, bid_id: int, reason: str) -> ChallengeBid:
    bid = get_bid(db, p, bid_id, lock=True)
    lifecycle.LIFECYCLE.check(p, bid, Action.NOT_SELECT)
    lifecycle.LIFECYCLE.move(
        db, bid, p, Action.NOT_SELECT, selection_reason=_trimmed(reason), decided_by=p.username
    )
    db.commit()
    return bid


def sign_agreement(db: Session, p: Principal, bid_id: int, data: AgreementIn) -> ChallengeBid:
    bid = get_bid(db, p, bid_id, lock=True)
    lifecycle.LIFECYCLE.check(p, bid, Action.SIGN)
    today = business_today()
    if data.signed_on > today:
        raise ApiError(
            422, "date_future", f"协议签订日 {data.signed_on} 晚于今天 {today}，不能预登记",
            "signed_on",
        )  # fmt: skip
    lifecycle.LIFECYCLE.move(
        db, bid, p, Action.SIGN,
        agreement_signed_on=data.signed_on, agreed_investment_fen=data.agreed_investment_fen,
    )  # fmt: skip
    db.commit()
    return bid


def reports(db: Session, bid: ChallengeBid) -> list[ChallengeReport]:
    q = select(ChallengeReport).where(ChallengeReport.bid_id == bid.id)
    return list(db.scalars(q.order_by(ChallengeReport.id)))


def report_milestone(
    db: Session, p: Principal, bid_id: int, milestone: int, summary: str, uploads: Sequence[Upload]
) -> ChallengeReport:
    bid = get_bid(db, p, bid_id, lock=True)
    lifecycle.LIFECYCLE.check(p, bid, Action.REPORT)
    if not 0 <= milestone < len(bid.milestones):
        raise ApiError(
            422, "unknown_milestone",
            f"里程碑序号应为 0–{len(bid.milestones) - 1}（揭榜时约定的里程碑）", "milestone",
        )  # fmt: skip
    summary = (summary or "").strip()
    if not summary:
        raise ApiError(422, "required", "请填写里程碑完成情况", "summary")
    problems = [
        e for i, u in enumerate(uploads) for e in check_upload(f"files[{i}]", u.filename, u.data)
    ]
    if problems:
        e = problems[0]
        raise ApiError(422, e.rule, e.message, e.path)
    files = [
        {"filename": u.filename, "sha256": store(u.data), "size": len(u.data)} for u in uploads
    ]
    rep = ChallengeReport(
        bid_id=bid.id, milestone=milestone, summary=summary, files=files,
        reported_by=p.username, reported_on=business_today(),
    )  # fmt: skip
    db.add(rep)
    db.flush()
    extra = {"report": ReportOut.model_validate(rep).model_dump(mode="json")}
    lifecycle.LIFECYCLE.move(db, bid, p, Action.REPORT, extra=extra)
    db.commit()
    return rep


def report_file(
    db: Session, p: Principal, bid_id: int, report_id: int, index: int
) -> tuple[str, bytes]:
    from huiqi.platform.materials.storage import load

    bid = get_bid(db, p, bid_id)
    rep = db.get(ChallengeReport, report_id)
    if rep is None or rep.bid_id != bid.id or not 0 <= index < len(rep.files):
        raise not_found("附件", "report_id")
    f = rep.files[index]
    return str(f["filename"]), load(str(f["sha256"]))


def bid_out(db: Session, p: Principal | None, bid: ChallengeBid) -> BidOut:
    out = BidOut.model_validate(bid)
    out.status_zh = lifecycle.LIFECYCLE.status_label(bid.status)
    out.parties = [PartyOut.model_validate(x) for x in parties(db, bid)]
    if p is not None and (is_board_officer(p) or p.role == "expert"):
        rows = scores_of(db, bid)
        if p.role == "expert":  # an expert sees its own score only
            rows = [s for s in rows if s.expert_id == p.user_id]
        out.scores = [score_out(db, s) for s in rows]
    out.reports = [ReportOut.model_validate(r) for r in reports(db, bid)]
    if p is not None:
        out.allowed = [t.action.value for t in lifecycle.LIFECYCLE.allowed_for(p, bid)]
    return out
