"""Who acts: the Principal every service is given (a user's id, role and scope). A module of its
own so that the audit trail, which records the actor, needs nothing else of auth."""

from __future__ import annotations

from dataclasses import dataclass, field

from huiqi.platform.auth.models import User


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str
    enterprise_id: int | None = None
    district: str | None = None
    units: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(
            user.id,
            user.username,
            user.role,
            user.enterprise_id,
            user.district,
            tuple(user.units or ()),
        )


SYSTEM = Principal(0, "system", "admin")
# the actor of a login attempt that has no account yet (the attempted name is in the record)
ANONYMOUS = Principal(0, "anonymous", "anonymous")
