"""上云资源池 and 小微企业服务券 (三（二）): providers, their products, the yearly published
catalogue and standard (editions, never rewritten), vouchers, and annual evaluations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, Fen, UTCDateTime, utcnow


class PoolProvider(Base):
    """A 平台商 or 服务商 applying to, or in, the 工业互联网产业生态供给资源池."""

    __tablename__ = "pool_providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the provider account that applied and acts for it
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # platform 平台商 | service 服务商
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # the firm on this platform with the same credit code, if any (3.2.2 is claimed by it)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), nullable=True)
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PoolProduct(Base):
    """An 应用服务产品 a provider offers, at its listed price (the catalogue freezes its own)."""

    __tablename__ = "pool_products"
    __table_args__ = (CheckConstraint("price_fen > 0", name="price_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("pool_providers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    product_class: Mapped[str] = mapped_column(String(32))
    price_fen: Mapped[int] = mapped_column(Fen)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CatalogueEdition(Base):
    """One published version of a year's 应用服务目录 and 奖补标准. Rows are inserted once and
    never updated: a change is a new version effective from a later date."""

    __tablename__ = "voucher_catalogues"
    __table_args__ = (
        UniqueConstraint("year", "version"),
        CheckConstraint("annual_cap_fen IS NULL OR annual_cap_fen > 0", name="annual_cap"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    # a firm's yearly voucher total cap, where the standard sets one
    annual_cap_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClassStandard(Base):
    """奖补标准 for one product class in an edition: a ratio (1/10000) and a cap per voucher."""

    __tablename__ = "voucher_class_standards"
    __table_args__ = (
        UniqueConstraint("catalogue_id", "product_class"),
        CheckConstraint("ratio_bp > 0 AND ratio_bp <= 10000", name="ratio"),
        CheckConstraint("cap_fen > 0", name="cap_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("voucher_catalogues.id"), index=True)
    product_class: Mapped[str] = mapped_column(String(32))
    ratio_bp: Mapped[int] = mapped_column(Integer)
    cap_fen: Mapped[int] = mapped_column(Fen)


class CatalogueItem(Base):
    """A product in an edition's catalogue, at the price published with it."""

    __tablename__ = "voucher_catalogue_items"
    __table_args__ = (UniqueConstraint("catalogue_id", "product_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("voucher_catalogues.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("pool_products.id"))
    product_class: Mapped[str] = mapped_column(String(32))
    price_fen: Mapped[int] = mapped_column(Fen)


class Voucher(Base):
    """A 上云上平台服务券 a 小微 firm took for a catalogue product. The edition's figures, the
    amount and its explanation are frozen when it is issued."""

    __tablename__ = "vouchers"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("pool_providers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("pool_products.id"))
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("voucher_catalogues.id"))
    # the firm's cloud_adoption project carrying the voucher's facts (the engine's subject)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    product_class: Mapped[str] = mapped_column(String(32))
    price_fen: Mapped[int] = mapped_column(Fen)
    ratio_bp: Mapped[int] = mapped_column(Integer)
    class_cap_fen: Mapped[int] = mapped_column(Fen)
    annual_cap_fen: Mapped[int | None] = mapped_column(Fen, nullable=True)
    annual_used_fen: Mapped[int] = mapped_column(Fen, default=0)
    amount_fen: Mapped[int] = mapped_column(Fen)
    status: Mapped[str] = mapped_column(String(16), index=True)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    size_decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the 3.2.1 application the settlement created; payments hang off it
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id"), nullable=True, unique=True
    )
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ProviderEvaluation(Base):
    """企业“上云上平台”年度评估 of one provider for one year."""

    __tablename__ = "provider_evaluations"
    __table_args__ = (UniqueConstraint("provider_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("pool_providers.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    ratings_count: Mapped[int] = mapped_column(Integer)
    rating_sum: Mapped[int] = mapped_column(Integer)
    vouchers_count: Mapped[int] = mapped_column(Integer)
    delivered_count: Mapped[int] = mapped_column(Integer)
    officer_score: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(16))  # excellent | good | pass | fail
    pool_action: Mapped[str] = mapped_column(String(16))
    opinion: Mapped[str] = mapped_column(Text)
    evaluated_by: Mapped[str] = mapped_column(String(64))
    evaluated_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
