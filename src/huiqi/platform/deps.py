"""FastAPI dependencies: database session, authenticated principal, role gates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from huiqi.platform.auth.service import Principal, resolve_token
from huiqi.platform.errors import ApiError, forbidden

COOKIE_NAME = "huiqi_session"
_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/login 返回的 token")
_cookie = APIKeyCookie(name=COOKIE_NAME, auto_error=False, description="登录后设置的会话 Cookie")


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as db:
        yield db


Db = Annotated[Session, Depends(get_db)]


def current_token(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> str:
    token = bearer.credentials if bearer is not None else cookie
    if not token:
        raise ApiError(401, "unauthenticated", "请先登录", headers={"WWW-Authenticate": "Bearer"})
    return token


def current_principal(db: Db, token: Annotated[str, Depends(current_token)]) -> Principal:
    return Principal.of(resolve_token(db, token))


def require(*roles: str) -> Callable[[Principal], Principal]:
    """Dependency allowing only `roles`; every router endpoint declares one."""

    def _dep(p: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if p.role not in roles:
            raise forbidden()
        return p

    return _dep


Anyone = Annotated[Principal, Depends(current_principal)]
