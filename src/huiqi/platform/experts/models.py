from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow

# assigned -> submitted (opinion given) | recused (回避: conflict of interest declared) |
# cancelled (the application was returned for correction or withdrawn before the opinion)
ASSIGNMENT_STATUSES = ("assigned", "submitted", "recused", "cancelled")
OPINIONS = ("agree", "disagree", "amend")


class ExpertAssignment(Base):
    """One expert (or third-party institution) asked for an opinion on one application version."""

    __tablename__ = "expert_assignments"
    # version: an amended application is reviewed afresh; the same expert may be asked again
    __table_args__ = (UniqueConstraint("application_id", "version", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="assigned")
    conflict_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    opinion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recommended_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
