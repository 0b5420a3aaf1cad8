from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from huiqi.platform.db import Base


class PlatformParameter(Base):
    """Runtime parameters an admin may change, e.g. credit.block_enabled, credit.penalty_months."""

    __tablename__ = "platform_parameters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
