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

    # ---- security: proxies, body limits, login throttling, sessions -------------------------
    # Addresses (IPs or CIDRs, comma separated) of reverse proxies whose X-Forwarded-For /
    # X-Forwarded-Proto / X-Forwarded-Host are believed. Empty: no forwarded header is believed,
    # so a client cannot pick its own address for the rate limits by sending one.
    trusted_proxies: str = field(default_factory=lambda: _env("HUIQI_TRUSTED_PROXIES", ""))
    # Further origins the site is reached at (comma separated, e.g. https://huiqi.example.cn),
    # accepted as the Origin of a form post besides the request's own host.
    public_origins: str = field(default_factory=lambda: _env("HUIQI_PUBLIC_ORIGINS", ""))
    # Largest JSON or form body (login, calculator, every API call), counted while it streams in.
    max_body_bytes: int = field(default_factory=lambda: _env_int("HUIQI_MAX_BODY_BYTES", 1 << 20))
    # Largest multipart request (all files of one upload or import together).
    upload_max_bytes: int = field(default_factory=upload_max_bytes_from_env)
    # Largest registry upload for bulk screening on the analyst's page (CSV, Excel, Parquet).
    screening_upload_max_bytes: int = field(
        default_factory=lambda: _env_int("HUIQI_SCREENING_UPLOAD_MAX_BYTES", 200 << 20)
    )
    # Rows an enterprise import or a screening upload may hold; counted while reading.
    import_max_rows: int = field(default_factory=lambda: _env_int("HUIQI_IMPORT_MAX_ROWS", 100_000))
    # A session unused this long ends (等保: 登录连接超时自动退出).
    session_idle_seconds: int = field(
        default_factory=lambda: _env_int("HUIQI_SESSION_IDLE_SECONDS", 30 * 60)
    )
    # 登录失败处理: this many failed logins of one account within the window lock it for the
    # lockout time; an address gets `login_max_failures_per_address` before it is refused.
    login_max_failures: int = field(default_factory=lambda: _env_int("HUIQI_LOGIN_MAX_FAILURES", 5))
    login_max_failures_per_address: int = field(
        default_factory=lambda: _env_int("HUIQI_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
    )
    login_window_seconds: int = field(
        default_factory=lambda: _env_int("HUIQI_LOGIN_WINDOW_SECONDS", 15 * 60)
    )
    login_lockout_seconds: int = field(
        default_factory=lambda: _env_int("HUIQI_LOGIN_LOCKOUT_SECONDS", 15 * 60)
    )
    # Session cookie `Secure`: "auto" when the request came over HTTPS (directly or through a
    # trusted proxy), "always", or "never".
    cookie_secure: str = field(default_factory=lambda: _env("HUIQI_COOKIE_SECURE", "auto"))
    # ---- end of security settings --------------------------------------------------------------


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))
