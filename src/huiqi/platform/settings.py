"""Runtime settings of the platform: one class, read from HUIQI_* environment variables.

Defaults suit the two-command demo (`huiqi serve` on a SQLite file with demo data); a production
deployment sets at least HUIQI_DATABASE_URL, HUIQI_DEMO=0 and HUIQI_SECRET_KEY (see
docs/operations.md, whose settings table a test keeps equal to this class).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./huiqi.db"
POLICY_ID = "wuhan-digital-economy-2022"
ENV_PREFIX = "HUIQI_"

# Fields whose environment variable is not ENV_PREFIX + the field name in capitals (kept from
# before the settings were one class, so existing deployments and scripts keep working).
ENV_ALIASES = {
    "rate_per_second": "HUIQI_CALCULATOR_RATE",
    "burst": "HUIQI_CALCULATOR_BURST",
}


def database_url_from_env(explicit: str | None = None) -> str:
    return explicit or os.environ.get("HUIQI_DATABASE_URL") or DEFAULT_DATABASE_URL


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
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    production: bool = False  # refuse to serve with demo data or without a secret key

    # --- sessions and cookies -------------------------------------------------------------
    session_ttl_seconds: int = Field(8 * 3600, ge=60)  # absolute lifetime of a login
    session_idle_seconds: int = Field(30 * 60, ge=60)  # logged out after this long unused
    # Secure flag on the session cookie: "auto" = when the request came over HTTPS (as the
    # trusted proxy says), "always", or "never" (plain-HTTP test setups only)
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    secret_key: SecretStr | None = None  # signs form tokens; required with --production

    # --- files ----------------------------------------------------------------------------
    data_dir: Path = Path("./huiqi-data")  # uploaded files, job files, metrics of the workers
    upload_max_bytes: int = Field(20 * 1024 * 1024, ge=1024)  # largest request body accepted

    # --- audit, time, demo ----------------------------------------------------------------
    audit_hmac_key: SecretStr | None = None  # keyed hash over audit records and stored files
    time_zone: str = "Asia/Shanghai"  # business dates (公示 periods, deadlines) are dates here
    today: str | None = None  # pins the business date (YYYY-MM-DD) for a demo; never in prod
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

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        for v in value:
            ipaddress.ip_network(v, strict=False)  # a typo fails at start, not at a request
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
