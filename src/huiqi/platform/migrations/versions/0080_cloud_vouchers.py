"""上云资源池 and 小微企业服务券 (三（二）): providers, products, yearly catalogue editions with
their class standards and items, vouchers, annual provider evaluations

New tables only; nothing existing changes. Catalogue editions are insert-only by design (a
change is a new version), which the service enforces.

Revision ID: 0080
Revises: 0050
Create Date: 2026-12-01 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0080"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pool_providers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("applied_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("user_id", name="uq_pool_providers_user_id"),
        sa.UniqueConstraint("credit_code", name="uq_pool_providers_credit_code"),
    )
    op.create_index("ix_pool_providers_status", "pool_providers", ["status"])
    op.create_table(
        "pool_products",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider_id", sa.Integer(), sa.ForeignKey("pool_providers.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("product_class", sa.String(32), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("price_fen > 0", name="ck_pool_products_price_positive"),
    )
    op.create_index("ix_pool_products_provider_id", "pool_products", ["provider_id"])
    op.create_table(
        "voucher_catalogues",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("annual_cap_fen", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.UniqueConstraint("year", "version", name="uq_voucher_catalogues_year_version"),
        sa.CheckConstraint(
            "annual_cap_fen IS NULL OR annual_cap_fen > 0", name="ck_voucher_catalogues_annual_cap"
        ),
    )
    op.create_table(
        "voucher_class_standards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "catalogue_id", sa.Integer(), sa.ForeignKey("voucher_catalogues.id"), nullable=False
        ),
        sa.Column("product_class", sa.String(32), nullable=False),
        sa.Column("ratio_bp", sa.Integer(), nullable=False),
        sa.Column("cap_fen", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "catalogue_id",
            "product_class",
            name="uq_voucher_class_standards_catalogue_id_product_class",
        ),
        sa.CheckConstraint(
            "ratio_bp > 0 AND ratio_bp <= 10000", name="ck_voucher_class_standards_ratio"
        ),
        sa.CheckConstraint("cap_fen > 0", name="ck_voucher_class_standards_cap_positive"),
    )
    op.create_index(
        "ix_voucher_class_standards_catalogue_id", "voucher_class_standards", ["catalogue_id"]
    )
    op.create_table(
        "voucher_catalogue_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "catalogue_id", sa.Integer(), sa.ForeignKey("voucher_catalogues.id"), nullable=False
        ),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("pool_products.id"), nullable=False),
        sa.Column("product_class", sa.String(32), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "catalogue_id", "product_id", name="uq_voucher_catalogue_items_catalogue_id_product_id"
        ),
    )
    op.create_index(
        "ix_voucher_catalogue_items_catalogue_id", "voucher_catalogue_items", ["catalogue_id"]
    )
    op.create_table(
        "vouchers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("provider_id", sa.Integer(), sa.ForeignKey("pool_providers.id"), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("pool_products.id"), nullable=False),
        sa.Column(
            "catalogue_id", sa.Integer(), sa.ForeignKey("voucher_catalogues.id"), nullable=False
        ),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("product_class", sa.String(32), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("ratio_bp", sa.Integer(), nullable=False),
        sa.Column("class_cap_fen", sa.BigInteger(), nullable=False),
        sa.Column("annual_cap_fen", sa.BigInteger(), nullable=True),
        sa.Column("annual_used_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("size_decision", sa.JSON(), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id"), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("project_id", name="uq_vouchers_project_id"),
        sa.UniqueConstraint("application_id", name="uq_vouchers_application_id"),
        sa.CheckConstraint("amount_fen > 0", name="ck_vouchers_amount_positive"),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)", name="ck_vouchers_rating"
        ),
    )
    op.create_index("ix_vouchers_enterprise_id", "vouchers", ["enterprise_id"])
    op.create_index("ix_vouchers_provider_id", "vouchers", ["provider_id"])
    op.create_index("ix_vouchers_year", "vouchers", ["year"])
    op.create_index("ix_vouchers_status", "vouchers", ["status"])
    op.create_table(
        "provider_evaluations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider_id", sa.Integer(), sa.ForeignKey("pool_providers.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ratings_count", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("vouchers_count", sa.Integer(), nullable=False),
        sa.Column("delivered_count", sa.Integer(), nullable=False),
        sa.Column("officer_score", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("pool_action", sa.String(16), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("evaluated_by", sa.String(64), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("provider_id", "year", name="uq_provider_evaluations_provider_id_year"),
    )
    op.create_index("ix_provider_evaluations_provider_id", "provider_evaluations", ["provider_id"])


def downgrade() -> None:
    for table in (
        "provider_evaluations",
        "vouchers",
        "voucher_catalogue_items",
        "voucher_class_standards",
        "voucher_catalogues",
        "pool_products",
        "pool_providers",
    ):
        op.drop_table(table)
