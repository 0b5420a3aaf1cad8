"""Tables of the 供需对接平台: entries (demands and supplies), contacts, annual lists, events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow


class MatchingEntry(Base):
    """One demand (需求) or supply (供给: product, solution, 新场景/新产品/新应用).

    `owner_key` names the party that owns it: "e:<enterprise id>" for a firm, "u:<unit>" for a
    government unit (a city bureau, or a district as its district officers sign). Access,
    contacts and the meeting schedule all compare these keys. `search_text` is the entry's
    words cut by the Chinese tokenizer and joined by spaces (search.py), indexed by FTS5 on
    SQLite and by a pg_trgm GIN index on PostgreSQL (migration 0090).
    """

    __tablename__ = "matching_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('demand', 'supply')", name="kind"),
        CheckConstraint(
            "budget_min_fen IS NULL OR budget_max_fen IS NULL OR budget_min_fen <= budget_max_fen",
            name="budget_order",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # demand | supply
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str] = mapped_column(String(64), index=True)
    budget_min_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    budget_max_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    owner_key: Mapped[str] = mapped_column(String(80), index=True)
    owner_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # the year of the annual list it belongs to: the Beijing year it was published in
    list_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class MatchingContact(Base):
    """对接申请: one party of a (demand, supply) pair asks the other for contact; the other
    accepts or declines. Seen only by the two parties and the curating officers."""

    __tablename__ = "matching_contacts"
    __table_args__ = (UniqueConstraint("demand_id", "supply_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("matching_entries.id"), index=True)
    supply_id: Mapped[int] = mapped_column(ForeignKey("matching_entries.id"), index=True)
    requester_key: Mapped[str] = mapped_column(String(80), index=True)
    responder_key: Mapped[str] = mapped_column(String(80), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # pending | accepted | declined
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    response_note: Mapped[str] = mapped_column(Text, default="")


class MatchingList(Base):
    """An annual list the curating officers publish: 供需清单 (demands and supplies) or
    新场景新产品新应用 (supplies of those categories). Items are chosen one by one; once
    published the list is frozen and public."""

    __tablename__ = "matching_lists"
    __table_args__ = (UniqueConstraint("year", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # supply_demand | new_apps
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    created_by: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MatchingListItem(Base):
    __tablename__ = "matching_list_items"
    __table_args__ = (UniqueConstraint("list_id", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("matching_lists.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("matching_entries.id"))


class MatchingEvent(Base):
    """供需对接大会."""

    __tablename__ = "matching_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchingRegistration(Base):
    __tablename__ = "matching_registrations"
    __table_args__ = (UniqueConstraint("event_id", "party_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("matching_events.id"), index=True)
    party_key: Mapped[str] = mapped_column(String(80))
    party_name: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[int] = mapped_column(Integer, default=1)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchingMeeting(Base):
    """An arranged meeting at an event: one demand and one supply in one time slot."""

    __tablename__ = "matching_meetings"
    __table_args__ = (UniqueConstraint("event_id", "demand_id", "supply_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("matching_events.id"), index=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("matching_entries.id"))
    supply_id: Mapped[int] = mapped_column(ForeignKey("matching_entries.id"))
    slot: Mapped[str] = mapped_column(String(5))  # "HH:MM", the start of a fixed-length slot
    table_no: Mapped[str] = mapped_column(String(32), default="")
    arranged_by: Mapped[str] = mapped_column(String(64))
    arranged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchingSlotBooking(Base):
    """One party busy in one slot of one event: the unique key is what forbids double-booking,
    so two officers arranging at the same moment cannot both succeed."""

    __tablename__ = "matching_slot_bookings"
    __table_args__ = (UniqueConstraint("event_id", "slot", "party_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("matching_meetings.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(Integer)
    slot: Mapped[str] = mapped_column(String(5))
    party_key: Mapped[str] = mapped_column(String(80))
