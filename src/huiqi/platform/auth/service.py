"""Password hashing (argon2id), login sessions, and the Principal passed to every service."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.auth.models import ROLES, AuthSession, User
from huiqi.platform.db import utcnow
from huiqi.platform.errors import ApiError

_hasher = PasswordHasher()
# A valid hash to verify against when the username is unknown, so the timing of a failed login
# does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str
    enterprise_id: int | None = None
    district: str | None = None
    units: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(
            user.id,
            user.username,
            user.role,
            user.enterprise_id,
            user.district,
            tuple(user.units or ()),
        )


SYSTEM = Principal(0, "system", "admin")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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
    db: Session, username: str, password: str, ttl_seconds: int
) -> tuple[str, AuthSession, User]:
    user = db.scalar(select(User).where(User.username == username))
    db.commit()  # release the (SQLite) write lock while argon2 takes its deliberate time
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        raise ApiError(401, "bad_credentials", "用户名或密码错误")
    token = secrets.token_urlsafe(32)
    sess = AuthSession(
        token_hash=token_digest(token),
        user_id=user.id,
        expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds),
    )
    db.add(sess)
    db.commit()
    return token, sess, user


def resolve_token(db: Session, token: str) -> User:
    sess = db.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if sess is None or sess.revoked:
        raise ApiError(
            401,
            "unauthenticated",
            "登录凭证无效，请重新登录",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if sess.expires_at <= utcnow():
        raise ApiError(
            401, "session_expired", "会话已过期，请重新登录", headers={"WWW-Authenticate": "Bearer"}
        )
    user = db.get(User, sess.user_id)
    if user is None or not user.active:
        raise ApiError(401, "unauthenticated", "账号已停用，请联系管理员")
    return user


def logout(db: Session, token: str) -> None:
    sess = db.scalar(select(AuthSession).where(AuthSession.token_hash == token_digest(token)))
    if sess is not None:
        sess.revoked = True
        db.commit()
