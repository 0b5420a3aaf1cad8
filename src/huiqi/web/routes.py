"""The web router and `mount(app)`: pages at the site root, static files under /static/web."""

from __future__ import annotations

import inspect
import logging

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from huiqi.web.render import HERE, html_error, redirect, wants_json
from huiqi.web.session import NeedLogin, attach_user, login_url, request_tx

log = logging.getLogger(__name__)

# request_tx first: attach_user already opens a session, which must know the request's kind.
router = APIRouter(
    dependencies=[Depends(request_tx), Depends(attach_user)], include_in_schema=False
)


def _include() -> None:
    from huiqi.web import (
        admin,
        admin_campaigns,
        analyst,
        auth_pages,
        calculator,
        challenges,
        ent_amend,
        ent_drafts,
        enterprise,
        expert,
        library,
        matching,
        notices,
        officer,
        screening_jobs,
        supervisor,
        vouchers,
    )

    for mod in (
        auth_pages,
        library,
        calculator,
        enterprise,
        ent_drafts,
        ent_amend,
        notices,
        officer,
        expert,
        analyst,
        screening_jobs,
        supervisor,
        admin,
        admin_campaigns,
        challenges,
        matching,
        vouchers,
    ):
        router.include_router(mod.router)


_include()


async def _need_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NeedLogin)
    if exc.forbidden:
        return html_error(request, 403, "当前账号无权查看此页面，请换用相应角色的账号登录")
    if wants_json(request):
        return JSONResponse(
            {"errors": [{"path": "", "rule": "unauthenticated", "message": "请先登录"}]},
            status_code=401,
        )
    return redirect(request, login_url(exc.next_url))


PAGE_MESSAGES = {
    404: "您要找的页面不存在，可能已被移动或地址有误。",
    405: "该地址不支持此操作，请从页面上的按钮或链接进入。",
    500: "系统暂时无法完成您的请求，请稍后再试；如仍有问题，请联系平台管理员。",
}


def is_page_request(request: Request) -> bool:
    """A person's browser asking for a page, not a program asking the API."""
    return not request.url.path.startswith("/api/") and not wants_json(request)


def _page_errors(app: FastAPI) -> None:
    """Unknown addresses and unexpected failures answer a browser with a page in the site's
    layout; the API and JSON twins keep the platform's JSON errors."""
    json_http = app.exception_handlers.get(StarletteHTTPException)
    json_crash = app.exception_handlers.get(Exception)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if json_http is None or is_page_request(request):
            _attach_quietly(request)
            message = PAGE_MESSAGES.get(exc.status_code, "请求未能完成，请返回上一页重试。")
            return html_error(request, exc.status_code, message)
        response = json_http(request, exc)
        return await response if inspect.isawaitable(response) else response

    async def crash(request: Request, exc: Exception) -> Response:
        if json_crash is not None and not is_page_request(request):
            answer = json_crash(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        log.exception("page failed", exc_info=exc)
        return html_error(request, 500, PAGE_MESSAGES[500])

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crash)


def _attach_quietly(request: Request) -> None:
    """Show who is logged in on an error page too (no route ran attach_user for it)."""
    if getattr(request.state, "web_user", None) is None:
        try:
            attach_user(request)
        except Exception:  # an error page must render even when the database is down
            request.state.web_user = None


def mount(app: FastAPI) -> None:
    """Add the pages and their static files to the platform app (idempotent)."""
    if getattr(app.state, "web_mounted", False):
        return
    app.state.web_mounted = True
    app.mount("/static/web", StaticFiles(directory=str(HERE / "static")), name="web-static")
    app.include_router(router)
    app.add_exception_handler(NeedLogin, _need_login)
    _page_errors(app)
