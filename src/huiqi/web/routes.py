"""The web router and `mount(app)`: pages at the site root, static files under /static/web."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from huiqi.web.render import HERE, html_error, redirect, wants_json
from huiqi.web.session import NeedLogin, attach_user, login_url, request_tx

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
        ent_amend,
        ent_drafts,
        enterprise,
        expert,
        library,
        notices,
        officer,
        screening_jobs,
        supervisor,
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


def mount(app: FastAPI) -> None:
    """Add the pages and their static files to the platform app (idempotent)."""
    if getattr(app.state, "web_mounted", False):
        return
    app.state.web_mounted = True
    app.mount("/static/web", StaticFiles(directory=str(HERE / "static")), name="web-static")
    app.include_router(router)
    app.add_exception_handler(NeedLogin, _need_login)
