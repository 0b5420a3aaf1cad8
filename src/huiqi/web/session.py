"""Who is looking at the page: the platform's session cookie, resolved per request.

The web pages share the API's cookie (`huiqi_session`), so logging in on a page also authorises
the browser's calls to `/api/v1`, and vice versa.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request

from huiqi.platform.auth.service import Principal, resolve_token
from huiqi.platform.db import WRITE_TX
from huiqi.platform.deps import COOKIE_NAME
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError
from huiqi.web.formatting import person_of_user

HOME = {
    "enterprise": "/enterprise",
    "district_officer": "/officer/queue",
    "city_officer": "/officer/queue",
    "expert": "/expert/queue",
    "analyst": "/analyst",
    "supervisor": "/supervisor/tasks",
    "admin": "/admin/users",
    "provider": "/vouchers/provider",
}


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    display_name: str
    label: str = ""  # unit and role as people say it (formatting.person), never the account

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


# GET routes that nevertheless write (none: logging out is a POST, so another site cannot
# log a user out with a link or an <img>).
WRITING_GETS: frozenset[str] = frozenset()


def is_write(request: Request) -> bool:
    return request.method not in ("GET", "HEAD", "OPTIONS") or request.url.path in WRITING_GETS


async def request_tx(request: Request) -> AsyncIterator[None]:
    """Router dependency, first of all: mark the request as reading or writing for the engine.

    Pages open sessions from the platform's sessionmaker (here, in attach_user and through
    web.deps.PageDb); on SQLite the engine begins each transaction with BEGIN IMMEDIATE unless
    WRITE_TX says the request only reads. Without this every page view took the write lock and
    queued behind (or stalled) concurrent writers. Async for the same reason as
    huiqi.platform.deps.get_db: the value must be set in the request's own context, which the
    thread-pool calls of sync dependencies and endpoints then copy.
    """
    token = WRITE_TX.set(is_write(request))
    try:
        yield
    finally:
        WRITE_TX.reset(token)


def attach_user(request: Request) -> None:
    """Router dependency: put the logged-in user (or None) on request.state for templates."""
    request.state.web_user = None
    token = request.cookies.get(COOKIE_NAME)
    if not token or not hasattr(request.app.state, "sessionmaker"):
        return
    idle = request.app.state.settings.session_idle_seconds
    with request.app.state.sessionmaker() as db:
        try:
            user = resolve_token(db, token, idle)
        except ApiError:
            return  # expired or revoked: treat as logged out
        firm = db.get(Enterprise, user.enterprise_id) if user.enterprise_id else None
        label = person_of_user(user, firm.name if firm else None)
        request.state.web_user = WebUser(Principal.of(user), user.display_name, label)


def current(request: Request) -> WebUser | None:
    user: WebUser | None = getattr(request.state, "web_user", None)
    return user


def need(request: Request, *roles: str) -> WebUser:
    """The user if logged in with one of `roles` (admin always passes)."""
    user = current(request)
    from huiqi.web.render import app_path

    target = app_path(request) + (f"?{request.url.query}" if request.url.query else "")
    if user is None:
        raise NeedLogin(target)
    if roles and user.role not in roles and user.role != "admin":
        raise NeedLogin(target, forbidden=True)
    return user


def login_url(next_url: str) -> str:
    """The login page's application path, coming back to `next_url` (an application path)."""
    return f"/login?next={quote(next_url, safe='')}"
