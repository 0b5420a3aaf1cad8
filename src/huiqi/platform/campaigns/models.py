from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, UTCDateTime, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(32))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    screened: Mapped[int] = mapped_column(Integer, default=0)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


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
