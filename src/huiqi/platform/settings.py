"""Runtime settings of the platform: one class, read from HUIQI_* environment variables.

Defaults suit the two-command demo (`huiqi serve` on a SQLite file with demo data); a production
deployment sets at least HUIQI_DATABASE_URL, HUIQI_DEMO=0 and HUIQI_SECRET_KEY (see
docs/operations.md, whose settings table a test keeps equal to this class).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from huiqi.policies import DEFAULT_POLICY_ID

DEFAULT_DATABASE_URL = "sqlite:///./huiqi.db"
POLICY_ID = DEFAULT_POLICY_ID
ENV_PREFIX = "HUIQI_"

# Fields whose environment variable is not ENV_PREFIX + the field name in capitals (kept from
# before the settings were one class, so existing deployments and scripts keep working).
ENV_ALIASES = {
    "rate_per_second": "HUIQI_CALCULATOR_RATE",
    "burst": "HUIQI_CALCULATOR_BURST",
}


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


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True, validate_default=True
    )

    # --- database -------------------------------------------------------------------------
    database_url: str = DEFAULT_DATABASE_URL
    # Connections per process on PostgreSQL: pool_size kept open + max_overflow opened under
    # load. PostgreSQL allows 100 connections by default, 3 reserved for superusers. Two web
    # workers and one job worker at (10 + 20) each use at most 90, leaving 7 for psql,
    # pg_dump and `huiqi db upgrade`. More processes: lower these or raise max_connections.
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(20, ge=0)

    # --- serving --------------------------------------------------------------------------
    workers: int = Field(1, ge=1, le=64)  # web worker processes of `huiqi serve`
    # the path the site is served under behind a proxy, e.g. "/huiqi" ("" = the site root)
    root_path: str = ""
    # addresses (or networks, CIDR) of the reverse proxies whose X-Forwarded-For/-Proto is
    # believed; a request from anywhere else is taken at its socket address. Comma-separated.
    trusted_proxies: str = ""
    # further origins the site is reached at (comma separated, e.g. https://huiqi.example.cn),
    # accepted as the Origin of a form post besides the request's own host
    public_origins: str = ""
    production: bool = False  # refuse to serve with demo data or without a secret key

    # --- sessions and cookies -------------------------------------------------------------
    session_ttl_seconds: int = Field(8 * 3600, ge=60)  # absolute lifetime of a login
    session_idle_seconds: int = Field(30 * 60, ge=60)  # 等保: 登录连接超时自动退出
    # 登录失败处理: this many failed logins of one account within the window lock it for the
    # lockout time; an address gets `login_max_failures_per_address` before it is refused
    login_max_failures: int = Field(5, ge=1)
    login_max_failures_per_address: int = Field(20, ge=1)
    login_window_seconds: int = Field(15 * 60, ge=1)
    login_lockout_seconds: int = Field(15 * 60, ge=1)
    # Secure flag on the session cookie: "auto" = when the request came over HTTPS (as the
    # trusted proxy says), "always", or "never" (plain-HTTP test setups only)
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    secret_key: SecretStr | None = None  # signs form tokens; required with --production

    # --- files ----------------------------------------------------------------------------
    data_dir: Path = Path(DEFAULT_DATA_DIR)  # uploaded documents, audit anchor, worker metrics
    # largest JSON or form body (login, calculator, every API call), counted while it streams in
    max_body_bytes: int = Field(1 << 20, ge=1024)
    # largest multipart request (all files of one upload or import together)
    upload_max_bytes: int = Field(DEFAULT_UPLOAD_MAX_BYTES, ge=1024)
    # largest registry upload for bulk screening on the analyst's page
    screening_upload_max_bytes: int = Field(200 << 20, ge=1024)
    import_max_rows: int = Field(100_000, ge=1)  # rows of an import or screening upload

    # --- audit, time, demo ----------------------------------------------------------------
    # HMAC key signing the audit chain head and its exported anchor; unset: a generated demo key
    # in data_dir/audit-hmac.key (with a warning)
    audit_hmac_key: SecretStr | None = None
    time_zone: str = "Asia/Shanghai"  # business dates (公示 periods, deadlines) are dates here
    today: dt.date | None = None  # pins the business date for a demo (read by platform.clock)
    demo: bool = True  # seed and show the demo accounts; HUIQI_NO_DEMO=1 is the old spelling

    # --- logs -----------------------------------------------------------------------------
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"

    # --- public calculator and policy -----------------------------------------------------
    # Token bucket for the open calculator endpoints per client address and worker:
    # `rate_per_second` refill, `burst` capacity (a load test lifts them).
    rate_per_second: float = Field(
        20.0, gt=0, validation_alias=AliasChoices("rate_per_second", ENV_ALIASES["rate_per_second"])
    )
    burst: int = Field(40, ge=1, validation_alias=AliasChoices("burst", ENV_ALIASES["burst"]))
    # Working days of a 公示; admins change the credit parameters at runtime (table
    # platform_parameters), not here.
    notice_working_days: int = Field(5, ge=1)
    policy_id: str = POLICY_ID  # the policy package the open calculator evaluates

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for v in value.split(","):
            if v.strip():
                ipaddress.ip_network(v.strip(), strict=False)  # a typo fails at start
        return value

    @field_validator("burst", mode="before")
    @classmethod
    def _whole_burst(cls, value: Any) -> Any:
        return int(float(value)) if isinstance(value, str) else value  # "40.0" from a script

    @field_validator("root_path")
    @classmethod
    def _root_path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith("/"):
            raise ValueError("root_path 须以 / 开头，如 /huiqi")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知时区 {value!r}（如 Asia/Shanghai）") from None
        return value

    @model_validator(mode="before")
    @classmethod
    def _legacy_no_demo(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and "demo" not in data
            and "HUIQI_DEMO" not in os.environ
            and os.environ.get("HUIQI_NO_DEMO") == "1"
        ):
            data = {**data, "demo": False}
        return data

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve production (empty when it may)."""
        problems = []
        if self.demo:
            problems.append("演示模式已开启（设置 HUIQI_DEMO=0）")
        if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
            problems.append("未设置 HUIQI_SECRET_KEY（至少 32 个字符的随机串）")
        if self.today:
            problems.append("HUIQI_TODAY 固定了业务日期，仅用于演示")
        return problems


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    return ENV_ALIASES.get(field, ENV_PREFIX + field.upper())
