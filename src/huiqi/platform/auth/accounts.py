"""Account administration shared by the API (`/users`), the admin pages and `huiqi user`:
create an account, suspend or restore it, reset its password. Each change is audited in the
same transaction and ends the account's open sessions when it should."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth import service
from huiqi.platform.auth.models import AuthSession, User
from huiqi.platform.auth.schemas import UserIn, UserOut, UserUpdate
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import ApiError


def units_of_policy() -> set[str]:
    """The responsible units (责任单位) the policy names for its measures: a city officer's
    scope is a subset, so a misspelt unit is refused rather than giving an empty queue."""
    from huiqi.platform.policy import get_policy

    return {u for m in get_policy().measures.values() for u in m.units}


def snapshot(user: User) -> dict[str, object]:
    return UserOut.model_validate(user).model_dump()


def create_account(db: Session, actor: Principal, body: UserIn) -> User:
    """A new account with the role's scope (firm, district or units); audited `user.create`."""
    if body.enterprise_id is not None:
        from huiqi.platform.enterprises.models import Enterprise

        if db.get(Enterprise, body.enterprise_id) is None:
            raise ApiError(404, "not_found", "企业不存在", "enterprise_id")
    if body.units:
        known = units_of_policy()
        unknown = [u for u in body.units if u not in known]
        if unknown:
            raise ApiError(
                422,
                "unknown_unit",
                f"政策中没有责任单位 {'、'.join(unknown)}，可选：{'、'.join(sorted(known))}",
                "units",
            )
    user = service.create_user(
        db,
        body.username,
        body.password,
        body.role,
        display_name=body.display_name,
        enterprise_id=body.enterprise_id,
        district=body.district,
        units=body.units,
    )
    record(db, actor, "user.create", "user", user.id, None, snapshot(user))
    db.commit()
    return user


def update_account(db: Session, actor: Principal, user_id: int, body: UserUpdate) -> User:
    """Suspend/restore, rename or reset the password; audited `user.update`.

    A new password or a suspension ends every open session of the account at once."""
    user = db.get(User, user_id)
    if user is None:
        raise ApiError(404, "not_found", "用户不存在", "user_id")
    if user.id == actor.user_id and body.active is False:
        raise ApiError(409, "self", "不能停用当前登录的管理员账号", "active")
    before = snapshot(user)
    if body.active is not None:
        user.active = body.active
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.password is not None or body.active is False:
        if body.password is not None:
            service.set_password(db, user, body.password)  # the password policy, as everywhere
        db.execute(update(AuthSession).where(AuthSession.user_id == user.id).values(revoked=True))
    db.flush()
    record(db, actor, "user.update", "user", user.id, before, snapshot(user))
    db.commit()
    return user


def find_by_username(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise ApiError(404, "not_found", f"用户 {username} 不存在", "username")
    return user


def listing(db: Session) -> list[tuple[User, str | None]]:
    """Every account, oldest first, with its firm's name (None for staff accounts)."""
    from huiqi.platform.enterprises.models import Enterprise

    q = (
        select(User, Enterprise.name)
        .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
        .order_by(User.id)
    )
    return [(user, firm) for user, firm in db.execute(q)]
