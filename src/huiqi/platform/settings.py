"""Runtime settings of the platform. Environment first, then defaults suitable for a demo."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./huiqi.db"
POLICY_ID = "wuhan-digital-economy-2022"


def database_url_from_env(explicit: str | None = None) -> str:
    return explicit or os.environ.get("HUIQI_DATABASE_URL") or DEFAULT_DATABASE_URL


DEFAULT_DATA_DIR = "./huiqi-data"
DEFAULT_UPLOAD_MAX_BYTES = 32 << 20


def data_dir_from_env() -> Path:
    """Folder for uploaded documents, the demo audit key and the audit anchor (HUIQI_DATA_DIR)."""
    return Path(os.environ.get("HUIQI_DATA_DIR") or DEFAULT_DATA_DIR)


def upload_max_bytes_from_env() -> int:
    """Largest uploaded document (HUIQI_UPLOAD_MAX_BYTES, default 32 MB); the same setting bounds
    a whole multipart request, so one document never exceeds what a request may carry."""
    return int(os.environ.get("HUIQI_UPLOAD_MAX_BYTES") or DEFAULT_UPLOAD_MAX_BYTES)


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
    # Uploaded documents (hash-named files), the demo audit key and the audit anchor live here.
    data_dir: Path = field(default_factory=data_dir_from_env)
    # HMAC key signing the audit chain head and its exported anchor. Unset: a generated demo key
    # in data_dir/audit-hmac.key (with a warning); production sets HUIQI_AUDIT_HMAC_KEY.
    audit_hmac_key: str | None = field(
        default_factory=lambda: os.environ.get("HUIQI_AUDIT_HMAC_KEY") or None
    )
