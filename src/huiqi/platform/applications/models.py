from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.applications.frozen import is_compact, rebuild
from huiqi.platform.applications.statuses import AWARDED as _AWARDED
from huiqi.platform.applications.statuses import BEFORE_DECISION as _BEFORE_DECISION
from huiqi.platform.applications.statuses import Status
from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow

# The lifecycle (statuses, who moves them, guards) is one table: applications/lifecycle.py.
STATUSES = tuple(s.value for s in Status)
BEFORE_DECISION = tuple(s.value for s in _BEFORE_DECISION)
AWARDED = tuple(s.value for s in _AWARDED)

# The frozen snapshot of a claim: the policy it was evaluated under, the firm's case JSON and the
# engine's answer. Application and ApplicationVersion carry it; every writer (a submission, a
# draft, a campaign's offer, an archived version, the scale fixture) writes exactly these.
SNAPSHOT_COLUMNS = (
    "policy_id",
    "policy_version",
    "facts",
    "evaluation",
    "engine_status",
    "engine_amount_fen",
)


class PolicyEdition(Protocol):
    """What a snapshot records of the policy a case was evaluated under (a rules.Policy, or a
    fixture's stand-in naming one)."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> str: ...


def frozen_snapshot(
    policy: PolicyEdition,
    facts: object,
    evaluation: object,
    status: str,
    amount_fen: int | None,
) -> dict[str, Any]:
    """The snapshot columns' values for a case evaluated under `policy` now. Facts and
    evaluation are dicts, or JSON already serialised for a bulk COPY (bulk_insert.JsonText)."""
    values = (policy.id, policy.version, facts, evaluation, status, amount_fen)
    return dict(zip(SNAPSHOT_COLUMNS, values, strict=True))


def snapshot_of(row: Any) -> dict[str, Any]:
    """The snapshot columns of an application or an archived version, to copy to another."""
    return {name: getattr(row, name) for name in SNAPSHOT_COLUMNS}


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
    # the column as stored: a full evaluation, or a campaign's compact one (frozen.py);
    # readers use `evaluation`, which is always the full one
    stored_evaluation: Mapped[dict[str, Any]] = mapped_column("evaluation", JSON)
    engine_status: Mapped[str] = mapped_column(String(32))
    engine_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    requested_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    decided_amount_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The first submission's time: submitted_at moves with every 补正 or re-application, this
    # one never does (the timeline keeps both).
    first_submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # 申报日: the Beijing date of submission, the date the facts were evaluated "as of"
    application_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The firm's district when it submitted: routes district review and the district's share
    # of payment; a later change of the registration does not move the claim.
    district: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # the 申报批次 (application_rounds.id) it was submitted into
    round_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # 1 at submission, +1 per amendment after 退回补正; earlier snapshots are ApplicationVersion
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def evaluation(self) -> dict[str, Any]:
        """The engine's full answer for this claim; a compact one is rebuilt from the frozen
        facts and policy version (once per loaded row: pages read it several times)."""
        stored = self.stored_evaluation
        if not is_compact(stored):
            return stored
        cached = self.__dict__.get("_rebuilt")
        if cached is not None and cached[0] is stored:
            return cast("dict[str, Any]", cached[1])
        full = rebuild(stored, self.facts, self.policy_id, self.policy_version)
        self.__dict__["_rebuilt"] = (stored, full)
        return full

    @evaluation.setter
    def evaluation(self, value: dict[str, Any]) -> None:
        self.stored_evaluation = value


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


class ApplicationRound(Base):
    """申报批次: a city bureau opens a measure for one fiscal year between two Beijing dates;
    firms submit only into an open round."""

    __tablename__ = "application_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(32), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
