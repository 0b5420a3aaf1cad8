"""What a page handler declares instead of fetching it itself: who is looking and the session.

    @router.get("/expert/queue")
    def queue(request: Request, user: ExpertUser, db: PageDb) -> Response: ...

`require_page(...)` is the pages' twin of huiqi.platform.deps.require: an anonymous visitor is
sent to the login page (303, coming back to this page), a wrong role gets the Chinese 403 page
(routes._need_login), and admin passes every gate, as before. `PageDb` is the request-scoped
session of platform.deps.page_session; request_tx (a router dependency) has already marked the
request as reading or writing, so a page view does not take SQLite's write lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from huiqi.platform.deps import PageSession
from huiqi.web.session import WebUser, current, need

# Also the annotation of a helper that is handed the handler's session.
PageDb = PageSession


def page_user(request: Request) -> WebUser:
    """Anyone logged in; the login page otherwise."""
    return need(request)


def maybe_user(request: Request) -> WebUser | None:
    """The visitor if logged in; public pages change a little for a logged-in user."""
    return current(request)


def require_page(*roles: str) -> Callable[[Request], WebUser]:
    """A dependency letting in only `roles` (and admin); see the module docstring."""

    def _gate(request: Request) -> WebUser:
        return need(request, *roles)

    _gate.__name__ = f"require_page_{'_'.join(roles) or 'any'}"
    return _gate


PageUser = Annotated[WebUser, Depends(page_user)]
MaybeUser = Annotated[WebUser | None, Depends(maybe_user)]

# The gates most pages use; a page with another mix declares its own alias the same way.
EnterpriseUser = Annotated[WebUser, Depends(require_page("enterprise"))]
OfficerUser = Annotated[WebUser, Depends(require_page("district_officer", "city_officer"))]
CityOfficerUser = Annotated[WebUser, Depends(require_page("city_officer"))]
ExpertUser = Annotated[WebUser, Depends(require_page("expert"))]
AnalystUser = Annotated[WebUser, Depends(require_page("analyst"))]
AdminUser = Annotated[WebUser, Depends(require_page("admin"))]
