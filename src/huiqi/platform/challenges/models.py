"""揭榜挂帅 scenario board: annual batches of tasks, bids (揭榜) by a unit or a 联合体, expert
scores, milestone reports and the 考核认定 that turns a passed project into a 3.6.1 claim."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow


class ChallengeBatch(Base):
    """年度批次: the tasks the bureau publishes for one year."""

    __tablename__ = "challenge_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    published_by: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChallengeTask(Base):
    """One 应用场景 task (榜单) of a batch; open for bids up to its deadline (Beijing date)."""

    __tablename__ = "challenge_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("challenge_batches.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(32))
    problem: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(200))  # 发榜单位
    budget_fen: Mapped[int] = mapped_column(Fen)  # budget guidance
    deadline: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChallengeBid(Base):
    """A 揭榜: the bid and, once selected, the project it becomes (status: challenges.lifecycle)."""

    __tablename__ = "challenge_bids"
    # a unit leads at most one bid per task
    __table_args__ = (UniqueConstraint("task_id", "lead_enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("challenge_tasks.id"), index=True)
    lead_enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    plan: Mapped[str] = mapped_column(Text)
    budget_fen: Mapped[int] = mapped_column(Fen)
    # [{"title": str, "due": "YYYY-MM-DD"}], in order
    milestones: Mapped[list[Any]] = mapped_column(JSON, default=list)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    selection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agreement_signed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    agreed_investment_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    assessment_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    assessment_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    assessment_report: Mapped[str | None] = mapped_column(Text, nullable=True)
    assessed_investment_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    # the 3.6.1 claim and the project record a passed assessment created
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), nullable=True)


class ChallengeParty(Base):
    """A unit of the bid: the lead (牵头单位) or a member of the 联合体."""

    __tablename__ = "challenge_parties"
    __table_args__ = (UniqueConstraint("bid_id", "credit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("challenge_bids.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | member
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18))
    # the firm's record when the unit is registered on the platform
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), nullable=True)


class ChallengeScore(Base):
    """An invited expert's score of one bid, or its 回避."""

    __tablename__ = "challenge_scores"
    __table_args__ = (UniqueConstraint("bid_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("challenge_bids.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # assigned | submitted | recused
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    assigned_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ChallengeReport(Base):
    """A milestone report of the project, with its attachments (stored like application
    documents: by sha256 in the materials store)."""

    __tablename__ = "challenge_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("challenge_bids.id"), index=True)
    milestone: Mapped[int] = mapped_column(Integer)  # index into the bid's milestones
    summary: Mapped[str] = mapped_column(Text)
    # [{"filename", "sha256", "size"}]
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
