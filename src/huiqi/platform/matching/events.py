"""供需对接大会: events, registration by firms, and arranged meetings (demand × supply × slot).

A party (the firm or unit owning the demand or the supply) is in at most one meeting per slot
of an event: each meeting books its two parties in `matching_slot_bookings`, whose unique key
(event, slot, party) makes a double booking fail in the database even when two officers
arrange at the same moment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.matching.curating import require_citywide_curator
from huiqi.platform.matching.lifecycle import Status, is_curator, parties
from huiqi.platform.matching.models import (
    MatchingEntry,
    MatchingEvent,
    MatchingMeeting,
    MatchingRegistration,
    MatchingSlotBooking,
)
from huiqi.platform.matching.schemas import EventIn, EventOut, MeetingIn, MeetingOut


def _organiser(p: Principal) -> None:
    require_citywide_curator(p, "供需对接大会", "组织")


def create_event(db: Session, p: Principal, data: EventIn) -> MatchingEvent:
    _organiser(p)
    event = MatchingEvent(**data.model_dump(), created_by=p.username)
    db.add(event)
    db.flush()
    record(
        db,
        p,
        "matching.event.create",
        "matching_event",
        event.id,
        None,
        EventOut.model_validate(event).model_dump(mode="json"),
    )
    db.commit()
    return event


def get_event(db: Session, event_id: int) -> MatchingEvent:
    event = db.get(MatchingEvent, event_id)
    if event is None:
        raise not_found("供需对接大会", "event_id")
    return event


def events(db: Session) -> list[MatchingEvent]:
    return list(db.scalars(select(MatchingEvent).order_by(MatchingEvent.held_on.desc())))


def register(db: Session, p: Principal, event_id: int, attendees: int = 1) -> MatchingRegistration:
    event = get_event(db, event_id)
    if p.role != "enterprise" or p.enterprise_id is None:
        raise forbidden("供需对接大会由企业（需求方、供给方）报名")
    firm = db.get(Enterprise, p.enterprise_id)
    reg = MatchingRegistration(
        event_id=event.id,
        party_key=f"e:{p.enterprise_id}",
        party_name=firm.name if firm else "",
        attendees=attendees,
        registered_by=p.username,
    )
    db.add(reg)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise ApiError(409, "duplicate", "本企业已报名该大会", "event_id") from None
    record(
        db,
        p,
        "matching.event.register",
        "matching_event",
        event.id,
        None,
        {"party": reg.party_name, "attendees": attendees},
    )
    db.commit()
    return reg


def registrations(db: Session, p: Principal | None, event_id: int) -> list[MatchingRegistration]:
    """Organisers see every registration; a firm sees its own."""
    q = select(MatchingRegistration).where(MatchingRegistration.event_id == event_id)
    rows = list(db.scalars(q.order_by(MatchingRegistration.id)))
    if p is not None and (p.role == "admin" or is_curator(p)):
        return rows
    mine = parties(p) if p is not None else set()
    return [r for r in rows if r.party_key in mine]


def arrange(db: Session, p: Principal, event_id: int, data: MeetingIn) -> MatchingMeeting:
    _organiser(p)
    event = get_event(db, event_id)
    demand, supply = db.get(MatchingEntry, data.demand_id), db.get(MatchingEntry, data.supply_id)
    if demand is None or demand.kind != "demand" or demand.status != Status.PUBLISHED:
        raise ApiError(422, "not_published", "需求不存在或尚未发布", "demand_id")
    if supply is None or supply.kind != "supply" or supply.status != Status.PUBLISHED:
        raise ApiError(422, "not_published", "供给不存在或尚未发布", "supply_id")
    registered = set(
        db.scalars(
            select(MatchingRegistration.party_key).where(MatchingRegistration.event_id == event.id)
        )
    )
    for entry, path in ((demand, "demand_id"), (supply, "supply_id")):
        if entry.owner_key.startswith("e:") and entry.owner_key not in registered:
            raise ApiError(422, "not_registered", f"{entry.owner_name}尚未报名该大会", path)
    if demand.owner_key == supply.owner_key:
        raise ApiError(422, "same_party", "需求和供给属于同一方，无需安排洽谈", "supply_id")
    busy = set(
        db.scalars(
            select(MatchingSlotBooking.party_key).where(
                MatchingSlotBooking.event_id == event.id, MatchingSlotBooking.slot == data.slot
            )
        )
    )
    for entry in (demand, supply):
        if entry.owner_key in busy:
            raise _double_booked(entry.owner_name, data.slot)
    meeting = MatchingMeeting(
        event_id=event.id,
        demand_id=demand.id,
        supply_id=supply.id,
        slot=data.slot,
        table_no=data.table_no,
        arranged_by=p.username,
    )
    try:
        db.add(meeting)
        db.flush()
        db.add_all(
            MatchingSlotBooking(
                meeting_id=meeting.id, event_id=event.id, slot=data.slot, party_key=e.owner_key
            )
            for e in (demand, supply)
        )
        db.flush()
    except IntegrityError:  # arranged by someone else meanwhile
        db.rollback()
        raise ApiError(
            409,
            "double_booked",
            f"时段 {data.slot} 已被占用：这对需求和供给已安排过，或一方已有洽谈",
            "slot",
        ) from None
    record(
        db,
        p,
        "matching.meeting.arrange",
        "matching_event",
        event.id,
        None,
        MeetingOut.model_validate(meeting).model_dump(mode="json"),
    )
    db.commit()
    return meeting


def _double_booked(name: str, slot: str) -> ApiError:
    return ApiError(409, "double_booked", f"{name}在 {slot} 时段已有洽谈安排，请换一个时段", "slot")


def meetings(db: Session, p: Principal | None, event_id: int) -> list[dict[str, Any]]:
    """The schedule: organisers see every meeting, a party its own, others none."""
    rows = db.execute(
        select(MatchingMeeting)
        .where(MatchingMeeting.event_id == event_id)
        .order_by(MatchingMeeting.slot, MatchingMeeting.id)
    ).scalars()
    everyone = p is not None and (p.role == "admin" or is_curator(p))
    mine = parties(p) if p is not None else set()
    out = []
    for m in rows:
        demand, supply = db.get(MatchingEntry, m.demand_id), db.get(MatchingEntry, m.supply_id)
        assert demand is not None and supply is not None
        if not everyone and not {demand.owner_key, supply.owner_key} & mine:
            continue
        out.append(
            {
                **MeetingOut.model_validate(m).model_dump(),
                "demand_title": demand.title,
                "demand_owner": demand.owner_name,
                "supply_title": supply.title,
                "supply_owner": supply.owner_name,
            }
        )
    return out
