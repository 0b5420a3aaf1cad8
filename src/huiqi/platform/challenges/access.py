"""Who may read which 揭榜 and who acts for the board: shared by the board's services and
its expert scoring (kept apart from service.py so scoring need not import the service)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges.lifecycle import board_unit
from huiqi.platform.challenges.models import ChallengeBid, ChallengeParty, ChallengeScore
from huiqi.platform.errors import forbidden
from huiqi.platform.scoped import one_visible


def is_board_officer(p: Principal) -> bool:
    return p.role == "admin" or (p.role == "city_officer" and board_unit() in p.units)


def ensure_board_officer(p: Principal) -> None:
    if not is_board_officer(p):
        raise forbidden(f"只有{board_unit()}的审核员或管理员可以办理揭榜挂帅事项")


def parties(db: Session, bid: ChallengeBid) -> list[ChallengeParty]:
    q = select(ChallengeParty).where(ChallengeParty.bid_id == bid.id).order_by(ChallengeParty.id)
    return list(db.scalars(q))


def party_enterprises(db: Session, bid: ChallengeBid) -> set[int]:
    return {x.enterprise_id for x in parties(db, bid) if x.enterprise_id is not None}


def bid_query(p: Principal) -> Select[ChallengeBid]:
    """The bids `p` may read: the board's officers all; a firm those it leads or is a member
    of; an expert those it is invited to score."""
    q = select(ChallengeBid)
    if is_board_officer(p):
        return q
    if p.role == "enterprise" and p.enterprise_id is not None:
        member = select(ChallengeParty.bid_id).where(
            ChallengeParty.enterprise_id == p.enterprise_id
        )
        return q.where(
            (ChallengeBid.lead_enterprise_id == p.enterprise_id) | ChallengeBid.id.in_(member)
        )
    if p.role == "expert":
        invited = select(ChallengeScore.bid_id).where(ChallengeScore.expert_id == p.user_id)
        return q.where(ChallengeBid.id.in_(invited))
    raise forbidden()


def get_bid(db: Session, p: Principal, bid_id: int, *, lock: bool = False) -> ChallengeBid:
    q = bid_query(p).where(ChallengeBid.id == bid_id)
    return one_visible(db, q, ChallengeBid, lock=lock, what="揭榜", path="bid_id")
