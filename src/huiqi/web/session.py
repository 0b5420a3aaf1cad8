"""Who is looking at the page: the platform's session cookie, resolved per request.

The web pages share the API's cookie (`huiqi_session`), so logging in on a page also authorises
the browser's calls to `/api/v1`, and vice versa.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from sqlalchemy.orm import Session

from huiqi.platform.auth.service import Principal, resolve_token
from huiqi.platform.deps import COOKIE_NAME
from huiqi.platform.errors import ApiError

HOME = {
    "enterprise": "/enterprise",
    "district_officer": "/officer/queue",
    "city_officer": "/officer/queue",
    "analyst": "/analyst",
    "supervisor": "/supervisor/tasks",
    "admin": "/officer/queue",
}


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    display_name: str

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def home(self) -> str:
        return HOME.get(self.role, "/")


class NeedLogin(Exception):
    """Raised by `need()`; mount() turns it into a redirect to /login (or 401 for JSON)."""

    def __init__(self, next_url: str, forbidden: bool = False) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.forbidden = forbidden


def db_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as db:
        yield db


def attach_user(request: Request) -> None:
    """Router dependency: put the logged-in user (or None) on request.state for templates."""
    request.state.web_user = None
    token = request.cookies.get(COOKIE_NAME)
    if not token or not hasattr(request.app.state, "sessionmaker"):
        return
    with request.app.state.sessionmaker() as db:
        try:
            user = resolve_token(db, token)
        except ApiError:
            return  # expired or revoked: treat as logged out
        request.state.web_user = WebUser(Principal.of(user), user.display_name)


def current(request: Request) -> WebUser | None:
    user: WebUser | None = getattr(request.state, "web_user", None)
    return user


def need(request: Request, *roles: str) -> WebUser:
    """The user if logged in with one of `roles` (admin always passes)."""
    user = current(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if user is None:
        raise NeedLogin(target)
    if roles and user.role not in roles and user.role != "admin":
        raise NeedLogin(target, forbidden=True)
    return user


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='')}"


def field_errors(exc: ApiError | Any) -> dict[str, str]:
    """ApiError / InputError -> {field path: Chinese message} for display beside the fields."""
    out: dict[str, str] = {}
    for e in getattr(exc, "errors", []):
        path = e["path"] if isinstance(e, dict) else e.path
        msg = e["message"] if isinstance(e, dict) else e.message
        out.setdefault(path or "_form", msg)
    return out
