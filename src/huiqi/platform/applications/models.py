from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow

# Lifecycle. Review moves submitted -> district_passed [-> expert_review] -> city_passed ->
# approved | rejected; approved -> in_notice -> noticed -> paid. An objection during 公示 sends
# an application back to district_passed (city re-check). 免申即享 starts at candidate.
# Before the decision an officer may return it for correction (returned; the firm amends it,
# which freezes version n+1 and sends it back to submitted) and the firm may withdraw it
# (withdrawn). A withdrawn claim is closed, but the firm may apply for it again: the new
# submission (or draft) takes over the row as version n+1, keeping version n in
# application_versions (see service.reapply).
# A draft is the firm's own unsent application: editable, deletable, binding nothing, and
# visible to nobody but the firm until it is submitted (then it becomes "submitted").
STATUSES = (
    "draft",
    "candidate",
    "declined",
    "submitted",
    "district_passed",
    "city_passed",
    "expert_review",
    "approved",
    "rejected",
    "in_notice",
    "noticed",
    "paid",
    "returned",
    "withdrawn",
)
# Statuses in which the firm may still withdraw: everything after submission and before the
# city decision (a decision commits budget and is published; it is undone only by objection).
BEFORE_DECISION = ("submitted", "district_passed", "expert_review", "city_passed", "returned")
AWARDED = ("approved", "in_notice", "noticed", "paid")


class Application(Base):
    __tablename__ = "applications"
    # project_key is the project id or 0 for enterprise-level measures: NULLs are never equal in
    # a UNIQUE constraint, so a nullable project_id could not enforce "one per measure+year".
    __table_args__ = (
        UniqueConstraint("enterprise_id", "measure_id", "fiscal_year", "project_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    measure_id: Mapped[str] = mapped_column(String(32), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    project_key: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(16), default="apply")  # apply | campaign
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    # frozen at submission: what the firm claimed, which policy text, what the engine said
    policy_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)
    engine_status: Mapped[str] = mapped_column(String(32))
    engine_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    requested_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    decided_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # 1 at submission, +1 per amendment after 退回补正; earlier snapshots are ApplicationVersion
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ApplicationVersion(Base):
    """An earlier frozen snapshot, archived when the firm amends a returned application or
    applies again after withdrawing it.

    The application row always holds the current version; this table keeps every one it
    replaced, unchanged, so officers and the firm can still read what was claimed before.
    """

    __tablename__ = "application_versions"
    __table_args__ = (UniqueConstraint("application_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    policy_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)
    engine_status: Mapped[str] = mapped_column(String(32))
    engine_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    requested_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    # The key of the submission this snapshot came from, when a re-application replaced the
    # row's key with its own (migration 0005): a retry of the first submission must still find
    # the application. None for amendments, which keep the row's key.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    archived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
