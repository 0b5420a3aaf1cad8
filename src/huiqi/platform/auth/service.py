"""Password hashing (argon2id), login sessions, and the Principal passed to every service."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from huiqi.platform.auth import throttle
from huiqi.platform.auth.models import ROLES, AuthSession, User
from huiqi.platform.auth.principal import ANONYMOUS as ANONYMOUS
from huiqi.platform.auth.principal import SYSTEM as SYSTEM
from huiqi.platform.auth.principal import Principal as Principal
from huiqi.platform.auth.throttle import AUTH_ACTIONS_ZH, LoginLimits
from huiqi.platform.db import WRITE_TX, utcnow
from huiqi.platform.errors import ApiError

_hasher = PasswordHasher()
# A valid hash to verify against when the username is unknown, so the timing of a failed login
# does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


PASSWORD_MIN_LENGTH = 10


def check_password(password: str, username: str, path: str = "password") -> None:
    """The password policy for new and reset passwords (GB/T 22239-2019 身份鉴别: 口令具有
    复杂度要求): at least 10 characters, letters and digits, not containing the username."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"至少 {PASSWORD_MIN_LENGTH} 个字符")
    if not any(c.isascii() and c.isalpha() for c in password) or not any(
        c.isdigit() for c in password
    ):
        problems.append("同时包含字母和数字")
    if username and username.lower() in password.lower():
        problems.append("不能包含用户名")
    if len(set(password)) < 4:
        problems.append("不能由少数几个字符重复组成")
    if problems:
        raise ApiError(422, "password_policy", "密码不符合要求：" + "；".join(problems), path)


def set_password(db: Session, user: User, password: str) -> None:
    """A new password (policy checked); every open session of the account ends."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    db.execute(update(AuthSession).where(AuthSession.user_id == user.id).values(revoked=True))


@lru_cache(maxsize=8)
def demo_hash(password: str) -> str:
    """One argon2 hash per demo password per process: seeding dozens of demo users stays fast."""
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    db: Session,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    enterprise_id: int | None = None,
    district: str | None = None,
    units: list[str] | None = None,
    password_hash: str | None = None,
) -> User:
    if role not in ROLES:
        raise ApiError(422, "enum", f"未知角色 {role}，可选：{'、'.join(ROLES)}", "role")
    if role == "enterprise" and enterprise_id is None:
        raise ApiError(422, "required", "企业账号必须绑定企业", "enterprise_id")
    if role == "district_officer" and not district:
        raise ApiError(422, "required", "区级审核员必须指定所属区", "district")
    if role == "city_officer" and not units:
        raise ApiError(422, "required", "市级审核员必须指定责任单位", "units")
    if password_hash is None:
        check_password(password, username)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise ApiError(409, "duplicate", f"用户名 {username} 已存在", "username")
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        display_name=display_name or username,
        enterprise_id=enterprise_id,
        district=district,
        units=list(units or []),
    )
    db.add(user)
    db.flush()
    return user


def login(
    db: Session,
    username: str,
    password: str,
    ttl_seconds: int,
    *,
    address: str = "unknown",
    limits: LoginLimits | None = None,
) -> tuple[str, AuthSession, User]:
    """A new session for the right password, unless the account or the address is locked.
    Every attempt is audited: 登录成功, 登录失败 (never the password), 登录被拒绝."""
    limits = limits or LoginLimits()
    refused = throttle.refusal(db, username, address, limits)
    if refused is not None:
        _audit_attempt(db, "auth.login_refused", username, address, refused.errors[0]["rule"])
        db.commit()
        raise refused
    user = db.scalar(select(User).where(User.username == username))
    db.commit()  # release the (SQLite) write lock while argon2 takes its deliberate time
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        reason = "unknown_user" if user is None else ("inactive" if ok else "bad_password")
        failures = throttle.note_failure(db, username, address, limits)
        _audit_attempt(db, "auth.login_failed", username, address, reason, failures)
        db.commit()
        left = limits.max_failures - failures
        if limits.max_failures > 0 and left <= 0:
            raise ApiError(
                429,
                "account_locked",
                f"用户名或密码错误；连续失败 {failures} 次，该账号已被锁定 "
                f"{limits.lockout_minutes} 分钟",
                "username",
                headers={"Retry-After": str(limits.lockout_seconds)},
            )
        hint = f"（再失败 {left} 次将锁定 {limits.lockout_minutes} 分钟）" if left <= 2 else ""
        raise ApiError(401, "bad_credentials", "用户名或密码错误" + hint)
    token = secrets.token_urlsafe(32)
    sess = AuthSession(
        token_hash=token_digest(token),
        user_id=user.id,
        expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds),
    )
    db.add(sess)
    throttle.clear(db, username)
    db.flush()
    _record(
        db,
        Principal.of(user),
        "auth.login",
        "user",
        user.id,
        None,
        {"event": AUTH_ACTIONS_ZH["auth.login"], "address": address, "session": sess.id},
    )
    db.commit()
    return token, sess, user


def _audit_attempt(
    db: Session, action: str, username: str, address: str, reason: str, failures: int = 0
) -> None:
    after: dict[str, object] = {
        "event": AUTH_ACTIONS_ZH[action],
        "username": username[:64],
        "address": address,
        "reason": reason,
    }
    if failures:
        after["failures"] = failures
    _record(db, ANONYMOUS, action, "login", username[:64], None, after)


def resolve_token(db: Session, token: str, idle_seconds: int | None = None) -> User:
    """The user of a live session. A session unused for `idle_seconds` ends (等保: 登录连接
    超时自动退出); its use is recorded at most once a minute."""
    sess = db.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if sess is None or sess.revoked:
        raise ApiError(
            401,
            "unauthenticated",
            "登录凭证无效，请重新登录",
            headers={"WWW-Authenticate": "Bearer"},
        )
    now = utcnow()
    if sess.expires_at <= now:
        raise ApiError(
            401, "session_expired", "会话已过期，请重新登录", headers={"WWW-Authenticate": "Bearer"}
        )
    seen = sess.last_seen_at or sess.created_at
    if idle_seconds and now - seen > dt.timedelta(seconds=idle_seconds):
        _end_idle(db, sess, idle_seconds)
        raise ApiError(
            401,
            "session_idle",
            f"超过 {max(1, idle_seconds // 60)} 分钟未操作，会话已结束，请重新登录",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = db.get(User, sess.user_id)
    if user is None or not user.active:
        raise ApiError(401, "unauthenticated", "账号已停用，请联系管理员")
    if now - seen > TOUCH_EVERY:
        _write_apart(
            db,
            lambda apart: apart.execute(
                update(AuthSession).where(AuthSession.id == sess.id).values(last_seen_at=now)
            ),
        )
    return user


# How stale last_seen_at may get before a request refreshes it: one small write a minute per
# active session, rather than one per request.
TOUCH_EVERY = dt.timedelta(seconds=60)


def _write_apart(db: Session, write: Callable[[Session], object]) -> None:
    """Run a small write outside the caller's transaction when that one only reads.

    A reading request's transaction on SQLite is a deferred BEGIN that must not turn into a
    writer (it could fail on the lock upgrade), so the write gets its own session with an
    IMMEDIATE transaction. A writing request already holds the write lock: a second session
    would wait for it, so the write joins the caller's transaction instead."""
    if WRITE_TX.get():
        write(db)
        db.commit()
        return
    flag = WRITE_TX.set(True)
    try:
        with Session(bind=db.get_bind()) as apart:
            write(apart)
            apart.commit()
    finally:
        WRITE_TX.reset(flag)


def _end_idle(db: Session, sess: AuthSession, idle_seconds: int) -> None:
    user = db.get(User, sess.user_id)
    actor = Principal.of(user) if user is not None else ANONYMOUS

    def write(target: Session) -> None:
        target.execute(update(AuthSession).where(AuthSession.id == sess.id).values(revoked=True))
        _record(
            target,
            actor,
            "auth.session_idle",
            "user",
            sess.user_id,
            None,
            {
                "event": AUTH_ACTIONS_ZH["auth.session_idle"],
                "session": sess.id,
                "idle_seconds": idle_seconds,
            },
        )

    _write_apart(db, write)


def _record(db: Session, *args: Any) -> None:
    from huiqi.platform.audit.service import record  # the audit module imports Principal

    record(db, *args)


def logout(db: Session, token: str, address: str = "unknown") -> None:
    sess = db.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if sess is not None and not sess.revoked:
        sess.revoked = True
        user = db.get(User, sess.user_id)
        if user is not None:
            _record(
                db,
                Principal.of(user),
                "auth.logout",
                "user",
                user.id,
                None,
                {"event": AUTH_ACTIONS_ZH["auth.logout"], "address": address, "session": sess.id},
            )
        db.commit()
