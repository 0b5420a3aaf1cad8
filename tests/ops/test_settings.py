"""The settings: one class read from HUIQI_* variables, and docs/operations.md's table of them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from huiqi.platform.settings import PlatformSettings, env_name

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
ROW = re.compile(r"^\| `(HUIQI_[A-Z_]+)` \| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|$")


def documented() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(2)] = (m.group(1), m.group(3).strip())
    return rows


def test_every_setting_is_documented_once_with_its_variable() -> None:
    rows = documented()
    assert set(rows) == set(PlatformSettings.model_fields)
    for field, (variable, _default) in rows.items():
        assert variable == env_name(field), field


def test_the_documented_defaults_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("HUIQI_"):
            monkeypatch.delenv(name)
    s = PlatformSettings()
    for field, (_variable, shown) in documented().items():
        value = getattr(s, field)
        if value in (None, "", []):
            assert shown in ("无", "空"), field
        elif isinstance(value, bool):
            assert shown == f"`{int(value)}`", field
        elif isinstance(value, Path):
            assert Path(shown.strip("`")) == value, field
        elif isinstance(value, float):
            assert shown == f"`{value:g}`", field
        else:
            assert shown == f"`{value}`", (field, shown, value)


def test_every_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "database_url": ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        "db_pool_size": ("3", 3),
        "db_max_overflow": ("4", 4),
        "workers": ("2", 2),
        "root_path": ("/huiqi/", "/huiqi"),
        "trusted_proxies": ("127.0.0.1, 10.0.0.0/8", "127.0.0.1, 10.0.0.0/8"),
        "public_origins": ("https://huiqi.example.cn", "https://huiqi.example.cn"),
        "max_body_bytes": ("2097152", 2097152),
        "screening_upload_max_bytes": ("104857600", 104857600),
        "import_max_rows": ("5000", 5000),
        "login_max_failures": ("3", 3),
        "login_max_failures_per_address": ("10", 10),
        "login_window_seconds": ("600", 600),
        "login_lockout_seconds": ("1200", 1200),
        "production": ("1", True),
        "session_ttl_seconds": ("3600", 3600),
        "session_idle_seconds": ("600", 600),
        "cookie_secure": ("always", "always"),
        "data_dir": ("/var/lib/huiqi", Path("/var/lib/huiqi")),
        "upload_max_bytes": ("1048576", 1048576),
        "time_zone": ("Asia/Urumqi", "Asia/Urumqi"),
        "today": ("2024-06-30", dt.date(2024, 6, 30)),
        "demo": ("0", False),
        "log_level": ("warning", "warning"),
        "log_format": ("text", "text"),
        "rate_per_second": ("1e9", 1e9),
        "burst": ("1e9", 10**9),
        "notice_working_days": ("7", 7),
        "policy_id": ("wuhan-digital-economy-2022", "wuhan-digital-economy-2022"),
    }
    for field, (text, _) in values.items():
        monkeypatch.setenv(env_name(field), text)
    monkeypatch.setenv("HUIQI_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("HUIQI_AUDIT_HMAC_KEY", "h" * 40)
    s = PlatformSettings()
    for field, (_, expected) in values.items():
        assert getattr(s, field) == expected, field
    assert s.secret_key is not None and s.secret_key.get_secret_value() == "k" * 40
    assert "k" * 40 not in repr(s)  # secrets never printed
    assert set(values) | {"secret_key", "audit_hmac_key"} == set(PlatformSettings.model_fields)


@pytest.mark.parametrize(
    ("variable", "text"),
    [
        ("HUIQI_TRUSTED_PROXIES", "127.0.0.1,not-an-address"),
        ("HUIQI_TIME_ZONE", "Mars/Olympus"),
        ("HUIQI_ROOT_PATH", "huiqi"),
        ("HUIQI_COOKIE_SECURE", "sometimes"),
        ("HUIQI_DB_POOL_SIZE", "zero"),
        ("HUIQI_WORKERS", "0"),
        ("HUIQI_TODAY", "2024-13-01"),
    ],
)
def test_a_bad_value_fails_at_start(
    monkeypatch: pytest.MonkeyPatch, variable: str, text: str
) -> None:
    monkeypatch.setenv(variable, text)
    with pytest.raises(ValidationError):
        PlatformSettings()


def test_old_no_demo_spelling_still_turns_the_demo_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUIQI_DEMO", raising=False)
    monkeypatch.setenv("HUIQI_NO_DEMO", "1")
    assert PlatformSettings().demo is False
    monkeypatch.setenv("HUIQI_DEMO", "1")  # the new name wins
    assert PlatformSettings().demo is True


def test_production_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUIQI_DEMO", "HUIQI_NO_DEMO", "HUIQI_SECRET_KEY", "HUIQI_TODAY"):
        monkeypatch.delenv(name, raising=False)
    problems = PlatformSettings().production_problems()
    assert any("HUIQI_DEMO=0" in p for p in problems)
    assert any("HUIQI_SECRET_KEY" in p for p in problems)
    short = PlatformSettings(demo=False, secret_key="too-short")
    assert [p for p in short.production_problems() if "HUIQI_SECRET_KEY" in p]
    assert PlatformSettings(demo=False, secret_key="x" * 32).production_problems() == []
    pinned = PlatformSettings(demo=False, secret_key="x" * 32, today=dt.date(2024, 6, 30))
    assert any("HUIQI_TODAY" in p for p in pinned.production_problems())
