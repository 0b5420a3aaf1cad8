from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow


class PaymentShare(Base):
    """Who pays what part of a measure's award, in whole percent (3.1.1: city 50, district 50)."""

    __tablename__ = "payment_shares"
    __table_args__ = (CheckConstraint("city_percent >= 0 AND city_percent <= 100", name="pct"),)

    measure_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    city_percent: Mapped[int] = mapped_column(Integer)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("application_id", "payer"),
        CheckConstraint("amount_fen >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    payer: Mapped[str] = mapped_column(String(16))  # city | district
    amount_fen: Mapped[int] = mapped_column(Fen)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | paid
    voucher: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the claim's district at submission ('' when none) and its measure, copied when scheduled
    # (neither changes afterwards): the payments lists of a district and of a bureau read one
    # keyset page of (district, id) / (measure_id, id)
    district: Mapped[str] = mapped_column(String(64), default="", server_default="")
    measure_id: Mapped[str] = mapped_column(String(32), default="", server_default="")


class PaymentTotal(Base):
    """Paid money per (district the claim was submitted in, measure): every officer's scope is
    a district or a set of measures, so the payments page sums a few dozen of these rows
    instead of every payment. Kept by `payments.totals` in the transaction that pays."""

    __tablename__ = "payment_totals"

    district: Mapped[str] = mapped_column(String(64), primary_key=True)  # '' when none
    measure_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    paid_fen: Mapped[int] = mapped_column(Fen, default=0)
    paid_parts: Mapped[int] = mapped_column(Integer, default=0)
