from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, UTCDateTime, utcnow

TASK_STATUSES = ("not_started", "in_progress", "done", "blocked")


class PolicyTask(Base):
    """One policy task for one responsible unit (the first unit named in the clause leads)."""

    __tablename__ = "policy_tasks"
    __table_args__ = (UniqueConstraint("task_id", "unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(String(32))
    clause_id: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(64))
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class TaskNote(Base):
    __tablename__ = "task_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_row_id: Mapped[int] = mapped_column(ForeignKey("policy_tasks.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
