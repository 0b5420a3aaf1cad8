"""Request and response shapes of the 供需对接平台, with the fixed classification lists."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from huiqi.platform.policy import canonical_place, place_names, place_problem, place_region

# 领域: the fixed list both sides classify by (the policy's 数字经济 fields).
FIELDS: tuple[str, ...] = (
    "人工智能",
    "5G",
    "工业互联网",
    "区块链",
    "大数据",
    "云计算",
    "物联网",
    "数字政府",
    "智慧城市",
    "软件和信息技术服务",
    "集成电路",
    "网络安全",
    "其他",
)
DEMAND_CATEGORIES = {"reform": "数字化改革需求", "scenario": "应用场景需求"}
SUPPLY_CATEGORIES = {
    "product": "产品",
    "solution": "解决方案",
    "new_scenario": "新场景",
    "new_product": "新产品",
    "new_application": "新应用",
}
CATEGORY_ZH = DEMAND_CATEGORIES | SUPPLY_CATEGORIES
NEW_APPS = ("new_scenario", "new_product", "new_application")  # the 新场景新产品新应用 list
KIND_ZH = {"demand": "需求", "supply": "供给"}
LIST_KIND_ZH = {
    "supply_demand": "年度数字经济供需清单",
    "new_apps": "年度数字经济新场景新产品新应用",
}


def list_title(year: int, kind: str) -> str:
    """2024 年度数字经济供需清单."""
    return f"{year} {LIST_KIND_ZH[kind]}"


PHONE = re.compile(r"^[0-9+\-（）() ]{5,32}$")
SLOT = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def district_names() -> list[str]:
    return place_names()


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    # what the entry form says beside a field (huiqi.web.forms.read_form)
    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "title": "标题 2–200 字",
        "description": "内容说明至少 10 字",
        # a blank choice gets the same sentence as a wrong one: what may be chosen
        "field:missing": "领域应为以下之一：" + "、".join(FIELDS),
        "district:missing": place_problem(),
    }
    kind: Literal["demand", "supply"] = Field(description="demand 需求 / supply 供给")
    category: str = Field(
        description="需求：reform、scenario；供给：product、solution、"
        "new_scenario、new_product、new_application"
    )
    title: str = Field(min_length=2, max_length=200, description="标题")
    description: str = Field(min_length=10, max_length=5000, description="内容说明")
    field: str = Field(description="领域：" + "、".join(FIELDS))
    district: str = Field(description=f"所在区（{place_region()}各区及功能区，别名可用）")
    budget_min_fen: int | None = Field(default=None, ge=0, le=10**15, description="预算下限（分）")
    budget_max_fen: int | None = Field(default=None, ge=0, le=10**15, description="预算上限（分）")
    deadline: dt.date | None = Field(default=None, description="需求截止日期")
    contact_name: str = Field(default="", max_length=64, description="联系人")
    contact_phone: str = Field(default="", max_length=32, description="联系电话")
    owner_unit: str | None = Field(
        default=None, max_length=64, description="代表哪个单位提交（有多个单位的市级工作人员）"
    )

    @field_validator("field")
    @classmethod
    def _field(cls, v: str) -> str:
        if v not in FIELDS:
            raise ValueError("领域应为以下之一：" + "、".join(FIELDS))
        return v

    @field_validator("district")
    @classmethod
    def _district(cls, v: str) -> str:
        name = canonical_place(v)
        if name is None:
            raise ValueError(place_problem())
        return name

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if v and not PHONE.match(v):
            raise ValueError("联系电话只能含数字、空格、+、- 和括号，5–32 位")
        return v


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(default="", max_length=2000, description="理由（退回时必填）")


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    category: str
    title: str
    description: str
    field: str
    district: str
    budget_min_fen: int | None
    budget_max_fen: int | None
    deadline: dt.date | None
    owner_name: str
    status: str
    list_year: int | None
    return_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class EntryPrivate(EntryOut):
    """What the owner and the curators see besides the public fields."""

    contact_name: str
    contact_phone: str
    owner_key: str
    created_by: str


def snapshot(entry: Any) -> dict[str, Any]:
    return EntryPrivate.model_validate(entry).model_dump(mode="json")


class MatchOut(BaseModel):
    entry: EntryOut
    score: float = Field(description="排序得分：文本相关度（0–1）加同领域、同区加分")
    text_score: float
    same_field: bool
    same_district: bool
    contact_id: int | None = Field(description="已有的对接申请")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    demand_id: int = Field(ge=1, le=2**31 - 1)
    supply_id: int = Field(ge=1, le=2**31 - 1)
    message: str = Field(default="", max_length=2000, description="对接留言")


class ContactAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    accept: bool = Field(description="true 同意对接，false 婉拒")
    note: str = Field(default="", max_length=2000, description="答复说明")


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    demand_id: int
    supply_id: int
    requester_key: str
    responder_key: str
    message: str
    status: str
    requested_by: str
    requested_at: dt.datetime
    responded_by: str | None
    responded_at: dt.datetime | None
    response_note: str


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2022, le=2100, description="清单年度")
    kind: Literal["supply_demand", "new_apps"]
    entry_ids: list[int] = Field(max_length=2000, description="勾选的已发布条目")


class ListOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    year: int
    kind: str
    title: str
    status: str
    published_at: dt.datetime | None


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=2, max_length=200, description="大会名称")
    held_on: dt.date = Field(description="举办日期")
    place: str = Field(min_length=2, max_length=200, description="地点")


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    held_on: dt.date
    place: str


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attendees: int = Field(default=1, ge=1, le=20, description="参会人数")


class RegistrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    event_id: int
    party_name: str
    attendees: int
    registered_at: dt.datetime


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    demand_id: int = Field(ge=1, le=2**31 - 1)
    supply_id: int = Field(ge=1, le=2**31 - 1)
    slot: str = Field(description="时段开始时间 HH:MM（24 小时制）")
    table_no: str = Field(default="", max_length=32, description="洽谈桌号")

    @field_validator("slot")
    @classmethod
    def _slot(cls, v: str) -> str:
        if not SLOT.match(v):
            raise ValueError("时段应为 24 小时制的开始时间，如 09:30")
        return v


class MeetingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    event_id: int
    demand_id: int
    supply_id: int
    slot: str
    table_no: str
