"""Runtime settings of the platform. Environment first, then defaults suitable for a demo."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite:///./huiqi.db"
POLICY_ID = "wuhan-digital-economy-2022"


def database_url_from_env(explicit: str | None = None) -> str:
    return explicit or os.environ.get("HUIQI_DATABASE_URL") or DEFAULT_DATABASE_URL


@dataclass
class PlatformSettings:
    database_url: str = field(default_factory=database_url_from_env)
    session_ttl_seconds: int = 8 * 3600
    # Token bucket for the open calculator endpoints: `rate_per_second` refill, `burst` capacity.
    # HUIQI_CALCULATOR_RATE / HUIQI_CALCULATOR_BURST override them (a load test lifts them).
    rate_per_second: float = field(
        default_factory=lambda: float(os.environ.get("HUIQI_CALCULATOR_RATE", "20"))
    )
    burst: int = field(
        default_factory=lambda: int(float(os.environ.get("HUIQI_CALCULATOR_BURST", "40")))
    )
    # Enterprise accounts may not see the data of other firms; officers are scoped. These are
    # defaults; admins change the credit parameters at runtime (table platform_parameters).
    notice_working_days: int = 5
    budget_warning_ratio_percent: int = 90
    policy_id: str = POLICY_ID
