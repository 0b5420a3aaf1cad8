from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base, Fen


class BudgetPool(Base):
    __tablename__ = "budget_pools"
    # The CHECK is the last line of defence; the conditional UPDATE in service.commit is the first.
    __table_args__ = (
        UniqueConstraint("measure_id", "fiscal_year"),
        CheckConstraint("committed_fen >= 0 AND committed_fen <= total_fen", name="within_total"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= committed_fen", name="paid_within"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(32))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Fen)
    committed_fen: Mapped[int] = mapped_column(Fen, default=0)
    paid_fen: Mapped[int] = mapped_column(Fen, default=0)
