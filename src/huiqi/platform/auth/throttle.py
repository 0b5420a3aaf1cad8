"""登录失败处理: throttling and lockout of logins, per account and per client address.

An account that failed `max_failures` times within the window is locked for `lockout_seconds`
after its last failure, even for the right password (50 guesses in 4 s used to be followed by a
successful login). An address that failed `max_failures_per_address` times within the window
(guessing across many usernames) is refused the same way. Counts live in the database, so
every worker and every server sees them. Attempts refused while locked are audited but not
counted, so a lock ends `lockout_seconds` after the last real guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from huiqi.platform.auth.models import LoginFailure
from huiqi.platform.db import utcnow
from huiqi.platform.errors import ApiError

# The audit actions of authentication, with the words an auditor reads.
AUTH_ACTIONS_ZH = {
    "auth.login": "登录成功",
    "auth.login_failed": "登录失败",
    "auth.login_refused": "登录被拒绝（账号或地址已锁定）",
    "auth.logout": "退出登录",
    "auth.session_idle": "会话超时退出",
}


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int = 5
    max_failures_per_address: int = 20
    window_seconds: int = 15 * 60
    lockout_seconds: int = 15 * 60

    @classmethod
    def of(cls, settings: Any) -> LoginLimits:
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_per_address,
            settings.login_window_seconds,
            settings.login_lockout_seconds,
        )

    @property
    def lockout_minutes(self) -> int:
        return max(1, round(self.lockout_seconds / 60))


def _locked_until(
    db: Session, column: Any, value: str, limit: int, limits: LoginLimits, now: dt.datetime
) -> dt.datetime | None:
    if limit <= 0:
        return None
    since = now - dt.timedelta(seconds=limits.window_seconds + limits.lockout_seconds)
    recent = list(
        db.scalars(
            select(LoginFailure.at)
            .where(column == value, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return None
    # the last `limit` failures fell within one window: locked from the latest of them
    if recent[0] - recent[-1] > dt.timedelta(seconds=limits.window_seconds):
        return None
    until = recent[0] + dt.timedelta(seconds=limits.lockout_seconds)
    return until if until > now else None


def refusal(db: Session, username: str, address: str, limits: LoginLimits) -> ApiError | None:
    """The 429 for a locked account or address, or None when the attempt may proceed."""
    now = utcnow()
    for column, value, limit, who in (
        (LoginFailure.username, username, limits.max_failures, "该账号"),
        (LoginFailure.address, address, limits.max_failures_per_address, "本机地址"),
    ):
        until = _locked_until(db, column, value, limit, limits, now)
        if until is not None:
            wait = max(1, int((until - now).total_seconds() + 0.999))
            minutes = max(1, (wait + 59) // 60)
            rule = "account_locked" if who == "该账号" else "address_locked"
            return ApiError(
                429,
                rule,
                f"登录失败次数过多，{who}已被锁定，请 {minutes} 分钟后再试",
                "username" if who == "该账号" else "",
                headers={"Retry-After": str(wait)},
            )
    return None


def note_failure(db: Session, username: str, address: str, limits: LoginLimits) -> int:
    """Record a failure; the account's failures within the window, this one included."""
    now = utcnow()
    db.add(LoginFailure(username=username[:64], address=address[:64], at=now))
    db.flush()
    since = now - dt.timedelta(seconds=limits.window_seconds)
    return int(
        db.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.username == username[:64], LoginFailure.at > since)
        )
        or 0
    )


def clear(db: Session, username: str) -> None:
    """A successful login starts the account's count afresh."""
    db.execute(delete(LoginFailure).where(LoginFailure.username == username[:64]))
