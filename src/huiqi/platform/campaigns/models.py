"""免申即享 campaigns: screen, create candidates, push, confirm or decline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, UTCDateTime, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_active_key", "active_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(32))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    screened: Mapped[int] = mapped_column(Integer, default=0)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # queued | running | done | failed | cancelled: follows its job (migration 0050)
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="done")
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # "measure:year" while queued, running or done, NULL once failed or cancelled; unique, so
    # a second campaign for the same measure and year conflicts even between web workers
    active_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CampaignPush(Base):
    __tablename__ = "campaign_pushes"
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    channel: Mapped[str] = mapped_column(String(32), default="platform")
    pushed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    response: Mapped[str] = mapped_column(String(16), default="pending")  # confirmed | declined
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
