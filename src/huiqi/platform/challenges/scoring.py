"""Expert scoring of bids, with the platform's expert role and its 回避 rules.

The board's officer invites experts (users of the `expert` role) to score a bid. An expert who
belongs to a party of the bid (its account is linked to the firm of the lead unit or of a
联合体 member) is refused at invitation, and cannot score it either if its affiliation changes
after the invitation. Every score carries the
expert's 回避 declaration; an expert may instead recuse itself (回避), as on applications.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges import access
from huiqi.platform.challenges.lifecycle import Status
from huiqi.platform.challenges.models import ChallengeBid, ChallengeScore
from huiqi.platform.challenges.schemas import ScoreIn, ScoreOut
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found


def scores_of(db: Session, bid: ChallengeBid) -> list[ChallengeScore]:
    q = select(ChallengeScore).where(ChallengeScore.bid_id == bid.id)
    return list(db.scalars(q.order_by(ChallengeScore.id)))


def score_out(db: Session, s: ChallengeScore) -> ScoreOut:
    out = ScoreOut.model_validate(s)
    user = db.get(User, s.expert_id)
    out.expert_name = user.display_name if user else ""
    return out


def conflict_with(db: Session, expert: User, bid: ChallengeBid) -> str | None:
    """The party of the bid the expert belongs to, or None. An expert's 工作单位 is the firm its
    account is linked to (users.enterprise_id); it is matched by credit code, so a member that
    registered on the platform after the bid is still recognised."""
    if expert.enterprise_id is None:
        return None
    employer = db.get(Enterprise, expert.enterprise_id)
    if employer is None:
        return None
    for party in access.parties(db, bid):
        if party.enterprise_id == employer.id or party.credit_code == employer.credit_code:
            return party.name
    return None


def assign(db: Session, p: Principal, bid_id: int, expert_ids: list[int]) -> list[ChallengeScore]:
    access.ensure_board_officer(p)
    bid = access.get_bid(db, p, bid_id, lock=True)
    if bid.status != Status.BID:
        raise ApiError(409, "wrong_status", "只有待评审遴选的揭榜可以邀请专家评分", "bid_id")
    taken = {s.expert_id for s in scores_of(db, bid)}
    new = []
    for uid in dict.fromkeys(expert_ids):
        user = db.get(User, uid)
        if user is None or user.role != "expert" or not user.active:
            raise ApiError(422, "not_expert", f"用户 {uid} 不是在册的专家", "expert_ids")
        if uid in taken:
            raise ApiError(409, "already_assigned", f"{user.display_name} 已受邀评分", "expert_ids")
        party = conflict_with(db, user, bid)
        if party is not None:
            raise ApiError(
                422, "conflict_of_interest",
                f"{user.display_name} 属于揭榜方“{party}”，须回避，不能评审该揭榜",
                "expert_ids",
            )  # fmt: skip
        row = ChallengeScore(
            bid_id=bid.id, expert_id=uid, status="assigned", comment="", assigned_by=p.username
        )
        db.add(row)
        new.append(row)
    db.flush()
    after = {"experts": [score_out(db, s).model_dump() for s in new]}
    record(db, p, "challenge.expert.assign", "challenge_bid", bid.id, None, after)
    db.commit()
    return new


def _mine(db: Session, p: Principal, bid_id: int) -> tuple[ChallengeScore, ChallengeBid]:
    if p.role != "expert":
        raise forbidden("只有受邀的专家可以评分")
    bid = access.get_bid(db, p, bid_id, lock=True)
    row = db.scalar(
        select(ChallengeScore)
        .where(ChallengeScore.bid_id == bid.id, ChallengeScore.expert_id == p.user_id)
        .with_for_update()
    )
    if row is None:
        raise not_found("评分任务", "bid_id")
    if row.status != "assigned":
        raise ApiError(409, "score_closed", "已评分或已回避，不能再提交", "bid_id")
    if bid.status != Status.BID:
        raise ApiError(409, "wrong_status", "该揭榜已不在评审遴选阶段", "bid_id")
    return row, bid


def submit_score(db: Session, p: Principal, bid_id: int, data: ScoreIn) -> ChallengeScore:
    row, bid = _mine(db, p, bid_id)
    if not data.conflict_declared:
        raise ApiError(
            422, "conflict_declaration",
            "评分前须勾选回避声明（与揭榜各方不存在利害关系）；存在利害关系的请申请回避",
            "conflict_declared",
        )  # fmt: skip
    expert = db.get(User, p.user_id)
    party = conflict_with(db, expert, bid) if expert is not None else None
    if party is not None:
        raise ApiError(
            403, "conflict_of_interest", f"您属于揭榜方“{party}”，须回避，不能评分", "bid_id"
        )
    before = score_out(db, row).model_dump()
    row.status, row.score, row.comment = "submitted", data.score, data.comment
    row.submitted_at = utcnow()
    db.flush()
    after = score_out(db, row).model_dump()
    record(db, p, "challenge.expert.score", "challenge_bid", bid.id, before, after)
    db.commit()
    return row


def recuse(db: Session, p: Principal, bid_id: int, reason: str) -> ChallengeScore:
    row, bid = _mine(db, p, bid_id)
    if not reason.strip():
        raise ApiError(422, "reason_required", "请说明回避理由", "reason")
    before = score_out(db, row).model_dump()
    row.status, row.comment, row.submitted_at = "recused", reason.strip(), utcnow()
    db.flush()
    after = score_out(db, row).model_dump()
    record(db, p, "challenge.expert.recuse", "challenge_bid", bid.id, before, after)
    db.commit()
    return row


def ensure_scores_in(db: Session, bid: ChallengeBid) -> None:
    rows = scores_of(db, bid)
    if any(s.status == "assigned" for s in rows):
        raise ApiError(409, "scores_pending", "仍有受邀专家未评分或回避，不能遴选", "bid_id")
    if not any(s.status == "submitted" for s in rows):
        raise ApiError(409, "no_score", "该揭榜尚无专家评分，须经专家评审后遴选", "bid_id")


def average(db: Session, bid: ChallengeBid) -> str | None:
    """The mean score, to one decimal place, as text (no float)."""
    got = [s.score for s in scores_of(db, bid) if s.status == "submitted" and s.score is not None]
    if not got:
        return None
    tenths = (sum(got) * 10 * 2 + len(got)) // (2 * len(got))  # round half up
    return f"{tenths // 10}.{tenths % 10}"
