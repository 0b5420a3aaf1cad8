"""One way to show amounts, dates, day counts and people on every page.

Amounts are integer fen and read as ¥50,000.00 or 5万元 (huiqi.rules.money); dates and times
are Beijing's; day counts start from the Beijing business date (huiqi.platform.clock), so two
pages never disagree on how long ago something ended. People are named by unit and role, never
by the account they log in with.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from huiqi.platform.clock import business_today, to_beijing
from huiqi.rules.money import format_wan, format_yuan

NOTHING = "—"


def yuan_to_fen(text: str | Decimal | int | None) -> int | None:
    """Engine JSON carries yuan as two-place strings; pages work in integer fen."""
    if text is None or text == "":
        return None
    return int(Decimal(str(text)) * 100)


def yuan(fen: int | None) -> str:
    """¥50,000.00; a dash when there is no amount."""
    return NOTHING if fen is None else format_yuan(int(fen))


def wan(fen: int | None) -> str:
    """5万元 / 12.5万元 / 800元; a dash when there is no amount."""
    return NOTHING if fen is None else format_wan(int(fen))


def yuan_text(text: str | None) -> str:
    """An engine amount ('50000.00') as a page shows it (¥50,000.00)."""
    return yuan(yuan_to_fen(text))


def when(value: Any) -> str:
    """A date as 2024-06-30; a stored (UTC) time as Beijing's 2024-06-30 14:05."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, str):  # an ISO timestamp from a JSON record (audit, jobs)
        if len(value) <= 10:
            return value  # a date stays the date it names
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        return to_beijing(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def days_since(day: dt.date, today: dt.date | None = None) -> int:
    """Whole days from `day` to the business date (negative when `day` is ahead)."""
    return ((today or business_today()) - day).days


def window_text(start: dt.date, end: dt.date, today: dt.date | None = None) -> tuple[str, str]:
    """(state, sentence) of a validity window on the business date: not_started / open / ended."""
    day = today or business_today()
    if day < start:
        return "not_started", f"尚未施行，{(start - day).days} 天后（{start}）开始"
    if day <= end:
        return "open", f"有效期内，距到期还有 {(end - day).days} 天（{end} 止）"
    return "ended", f"已于 {end} 到期，政策有效期已结束 {days_since(end, day)} 天"


# How a role reads after the unit's name: 东湖高新区 + 经信局审核员.
ROLE_TITLE = {
    "district_officer": "经信局审核员",
    "city_officer": "审核员",
    "expert": "评审专家",
    "analyst": "市数据分析员",
    "supervisor": "市政府督办员",
    "admin": "平台管理员",
}
# Actors that are not accounts.
NON_ACCOUNTS = {"public": "社会公众", "system": "平台自动处理", "": "平台自动处理"}


def person(
    role: str,
    *,
    district: str | None = None,
    units: tuple[str, ...] | list[str] = (),
    firm: str | None = None,
    expert_name: str | None = None,
) -> str:
    """A person as citizens and officers name them: by unit and role, never by account."""
    if role == "enterprise":
        return firm or "申报企业"
    if role == "district_officer":
        return f"{district or '区'}{ROLE_TITLE[role]}"
    if role == "city_officer":
        return f"{'、'.join(units) if units else '市级主管部门'}{ROLE_TITLE[role]}"
    if role == "expert":
        return expert_name or ROLE_TITLE[role]
    return ROLE_TITLE.get(role, "工作人员")


def person_of_user(user: Any, firm: str | None = None) -> str:
    """person() for a huiqi.platform.auth User (or anything with the same fields)."""
    return person(
        user.role,
        district=user.district,
        units=tuple(user.units or ()),
        firm=firm,
        expert_name=user.display_name,
    )
