from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(64), index=True)
    industry: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[str] = mapped_column(String(16), default="small")  # large|medium|small|micro
    is_software: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # "normal" or "serious_discredit" (严重失信主体名单)
    credit_status: Mapped[str] = mapped_column(String(32), default="normal")
    # further facts the policy's case format needs and the profile has no column for
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    figures: Mapped[list[AnnualFigure]] = relationship(
        back_populates="enterprise", order_by="AnnualFigure.year", cascade="all, delete-orphan"
    )
    recognitions: Mapped[list[Recognition]] = relationship(cascade="all, delete-orphan")
    projects: Mapped[list[Project]] = relationship(cascade="all, delete-orphan")
    penalties: Mapped[list[Penalty]] = relationship(cascade="all, delete-orphan")


class AnnualFigure(Base):
    __tablename__ = "annual_figures"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    revenue_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    rd_expense_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    enterprise: Mapped[Enterprise] = relationship(back_populates="figures")

    @property
    def employees(self) -> int | None:
        """从业人员 for the 中小微企业划型, when the firm recorded it."""
        value = (self.extra or {}).get("employees")
        return value if isinstance(value, int) else None


class Recognition(Base):
    """A title or certification, e.g. kind="dcmm" level="3" (数据管理能力成熟度三级)."""

    __tablename__ = "recognitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(32), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    granted_on: Mapped[dt.date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(128), default="")


class Project(Base):
    """A project of the firm. `fields` follow the policy's project kind (policy.yaml
    project_kinds): money in integer fen, dates as ISO text, flags as booleans."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Penalty(Base):
    """An administrative penalty (行政处罚) on record; a recent major one blocks support."""

    __tablename__ = "penalties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    # 重大行政处罚: what application guidelines exclude (see huiqi.platform.credit)
    major: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    authority: Mapped[str] = mapped_column(String(128), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
