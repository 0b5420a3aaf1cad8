from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal[
    "enterprise",
    "district_officer",
    "city_officer",
    "expert",
    "analyst",
    "supervisor",
    "admin",
    "provider",
]


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    role: str


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(
        min_length=1, max_length=256, description="至少 10 位，含字母和数字，不含用户名"
    )
    role: Role
    display_name: str = Field(default="", max_length=128)
    enterprise_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    district: str | None = Field(default=None, max_length=64)
    units: list[str] = Field(default_factory=list, max_length=20)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    role: str
    display_name: str
    enterprise_id: int | None
    district: str | None
    units: list[str]
    active: bool


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = Field(default=None, description="停用后立即不能登录，已有会话失效")
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="重置密码：至少 10 位，含字母和数字，不含用户名",
    )
    display_name: str | None = Field(default=None, max_length=128)
