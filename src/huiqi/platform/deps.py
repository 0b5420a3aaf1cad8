"""FastAPI dependencies: database session, authenticated principal, role gates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from huiqi.platform.auth.service import Principal, resolve_token
from huiqi.platform.db import WRITE_TX
from huiqi.platform.errors import ApiError, forbidden

COOKIE_NAME = "huiqi_session"
_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/login 返回的 token")
_cookie = APIKeyCookie(name=COOKIE_NAME, auto_error=False, description="登录后设置的会话 Cookie")


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request.

    Async on purpose: FastAPI runs the teardown of a sync yield-dependency in the thread pool.
    Under load every pool thread can be busy waiting for a database lock that is held by a
    request whose teardown (the rollback that would release it) is queued for a thread: a
    deadlock that lasts until the lock timeout. Closing the session on the event loop cannot
    starve that way.
    """
    token = WRITE_TX.set(request.method not in ("GET", "HEAD", "OPTIONS"))
    db: Session = request.app.state.sessionmaker()
    try:
        yield db
    finally:
        db.close()
        WRITE_TX.reset(token)


Db = Annotated[Session, Depends(get_db)]


async def page_session(request: Request) -> AsyncIterator[Session]:
    """The session of a web page's request, closed on the event loop as get_db's is. Not get_db
    itself: the web router's request_tx has already decided read or write (also for the few
    GET routes that write), and a page must not decide it again."""
    db: Session = request.app.state.sessionmaker()
    try:
        yield db
    finally:
        db.close()


PageSession = Annotated[Session, Depends(page_session)]


def current_token(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> str:
    token = bearer.credentials if bearer is not None else cookie
    if not token:
        raise ApiError(401, "unauthenticated", "请先登录", headers={"WWW-Authenticate": "Bearer"})
    return token


def current_principal(
    db: Db, token: Annotated[str, Depends(current_token)], request: Request
) -> Principal:
    idle = request.app.state.settings.session_idle_seconds
    principal = Principal.of(resolve_token(db, token, idle))
    # End the lookup's transaction now: on SQLite a writing request's transaction holds the
    # write lock, which must not be kept while this request waits for a thread to run its
    # endpoint. The endpoint's service opens (and commits) its own transaction.
    db.commit()
    return principal


def require(*roles: str) -> Callable[[Principal], Principal]:
    """Dependency allowing only `roles`; every router endpoint declares one."""

    def _dep(p: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if p.role not in roles:
            raise forbidden()
        return p

    return _dep


Anyone = Annotated[Principal, Depends(current_principal)]
