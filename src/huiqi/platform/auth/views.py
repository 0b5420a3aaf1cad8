from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import select

from huiqi.platform.auth import accounts, service
from huiqi.platform.auth.models import User
from huiqi.platform.auth.schemas import LoginIn, TokenOut, UserIn, UserOut, UserUpdate
from huiqi.platform.auth.service import Principal
from huiqi.platform.auth.throttle import LoginLimits
from huiqi.platform.deps import COOKIE_NAME, Anyone, Db, current_token, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.security.proxies import client_address

router = APIRouter(tags=["登录与用户"], responses=ERROR_RESPONSES)
Admin = Annotated[Principal, Depends(require("admin"))]


@router.post(
    "/auth/login", response_model=TokenOut, summary="登录（返回 Bearer token 并设置会话 Cookie）"
)
def login(db: Db, body: LoginIn, request: Request, response: Response) -> TokenOut:
    settings = request.app.state.settings
    ttl = settings.session_ttl_seconds
    token, sess, user = service.login(
        db,
        body.username,
        body.password,
        ttl,
        address=client_address(request),
        limits=LoginLimits.of(settings),
    )
    # Secure is added by the security headers middleware when the request came over HTTPS
    response.set_cookie(COOKIE_NAME, token, max_age=ttl, httponly=True, samesite="lax")
    return TokenOut(token=token, expires_at=sess.expires_at, role=user.role)


@router.post("/auth/logout", status_code=204, summary="退出登录")
def logout(
    db: Db, token: Annotated[str, Depends(current_token)], request: Request, response: Response
) -> Response:
    service.logout(db, token, client_address(request))
    response.delete_cookie(COOKIE_NAME)
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=UserOut, summary="当前用户")
def me(db: Db, p: Anyone) -> User:
    user = db.get(User, p.user_id)
    assert user is not None
    return user


@router.get("/users", response_model=list[UserOut], summary="用户列表（管理员）")
def list_users(db: Db, p: Admin) -> list[User]:
    return list(db.scalars(select(User).order_by(User.id)))


@router.post("/users", response_model=UserOut, status_code=201, summary="新建用户（管理员）")
def create_user(db: Db, p: Admin, body: UserIn) -> User:
    return accounts.create_account(db, p, body)


@router.patch(
    "/users/{user_id}", response_model=UserOut, summary="停用/启用用户、重置密码（管理员）"
)
def update_user(
    db: Db, p: Admin, user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: UserUpdate
) -> User:
    return accounts.update_account(db, p, user_id, body)
