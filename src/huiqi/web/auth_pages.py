"""登录 / 退出 and the home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from huiqi.platform.auth import service as auth
from huiqi.platform.auth.throttle import LoginLimits
from huiqi.platform.deps import COOKIE_NAME
from huiqi.platform.errors import ApiError
from huiqi.platform.security.proxies import client_address
from huiqi.web.deps import MaybeUser
from huiqi.web.deps import PageDb as Db
from huiqi.web.render import Redraw, page, policy, redirect
from huiqi.web.session import HOME

router = APIRouter()


def _safe_next(url: str) -> str:
    # only same-site paths: never let ?next= bounce a user to another site after login
    return url if url.startswith("/") and not url.startswith("//") else ""


@router.get("/", summary="首页")
def home(request: Request, user: MaybeUser) -> Response:
    from huiqi.web.library import today, window

    pol = policy()
    data = {
        "policy": {"title": pol.title, "document_number": pol.document_number},
        "window": window(pol, today()),
        "measures": len(pol.measures),
        "tasks": len(pol.tasks),
        "my_home": user.home if user else None,
    }
    return page(request, "home.html", data, title="首页")


@router.get("/login", summary="登录")
def login_form(request: Request, next: str = "") -> Response:
    return page(request, "login.html", _login_data(request, next), title="登录")


def _login_data(request: Request, next_url: str) -> dict[str, object]:
    """The login form's data; the demo accounts and their password only in demo mode."""
    data: dict[str, object] = {"next": _safe_next(next_url), "demo_users": []}
    if request.app.state.settings.demo:
        from huiqi.platform.demo import DEMO_PASSWORD, DEMO_USERS

        data["demo_users"] = [{"username": u, "role": r, "name": n} for u, r, n, _ in DEMO_USERS]
        data["demo_password"] = DEMO_PASSWORD
    return data


@router.post("/login")
def login(
    request: Request,
    db: Db,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "请输入用户名"
    if not password:
        errors["password"] = "请输入密码"
    status = 400
    if not errors:
        settings = request.app.state.settings
        ttl = settings.session_ttl_seconds
        try:
            token, _sess, user = auth.login(
                db,
                username.strip(),
                password,
                ttl,
                address=client_address(request),
                limits=LoginLimits.of(settings),
            )
        except ApiError as exc:
            errors["password"] = exc.errors[0]["message"]
            status = exc.status if exc.status == 429 else 400
        else:
            target = _safe_next(next) or HOME.get(user.role, "/")
            resp = redirect(request, target, status_code=303)
            resp.set_cookie(COOKIE_NAME, token, max_age=ttl, httponly=True, samesite="lax")
            return resp
    data = _login_data(request, next)
    redraw = Redraw(errors, {"username": username}, status)
    return page(request, "login.html", data, title="登录", redraw=redraw)


@router.post("/logout", summary="退出登录")
def logout(request: Request, db: Db) -> Response:
    # POST only (the header's 「退出登录」 is a form button): a GET link or image on another
    # site must not end the session
    token = request.cookies.get(COOKIE_NAME)
    if token:
        auth.logout(db, token, client_address(request))
    resp = redirect(request, "/?msg=已退出登录", status_code=303)
    resp.delete_cookie(COOKIE_NAME)
    return resp
