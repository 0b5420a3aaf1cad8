from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, UTCDateTime, utcnow

# expert: 专家/第三方机构 — sees only the applications a city officer assigned to it
ROLES = (
    "enterprise",
    "district_officer",
    "city_officer",
    "expert",
    "analyst",
    "supervisor",
    "admin",
    # provider: a 平台商/服务商 of the 上云资源池 — sees only its own pool record and vouchers
    "provider",
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(128), default="")
    # enterprise accounts: the one firm they act for
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), nullable=True
    )
    # district officers: their district; city officers: their 责任单位 (e.g. ["市经信局"])
    district: Mapped[str | None] = mapped_column(String(64), nullable=True)
    units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuthSession(Base):
    """A login. Only the sha256 of the token is stored, so a database leak yields no sessions."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # last request made with this session (updated at most once a minute); NULL: none since
    # login. Drives the idle timeout (HUIQI_SESSION_IDLE_SECONDS).
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginFailure(Base):
    """One failed login, counted per account and per address for throttling and lockout.
    Deleted for an account when it logs in; the audit log keeps every attempt for good."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
