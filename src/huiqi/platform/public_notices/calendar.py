"""The holiday calendar behind 公示 periods: the `chinese-calendar` package overlaid with the
days admins record (table `calendar_days`). Admins record a whole year at once, so a year is
either known in full or not at all, and recording it again replaces it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import lru_cache

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.public_notices.models import CalendarDay
from huiqi.platform.public_notices.schemas import CalendarDayIn, CalendarYearOut
from huiqi.platform.public_notices.workdays import HolidayCalendar, package_calendar
from huiqi.rules.errors import FieldError, InputError

_KIND_FROM_TEXT = {
    "holiday": "holiday",
    "节假日": "holiday",
    "法定节假日": "holiday",
    "放假": "holiday",
    "workday": "workday",
    "调休上班": "workday",
    "上班": "workday",
    "补班": "workday",
}


@lru_cache(maxsize=1)
def _package() -> HolidayCalendar:
    return package_calendar()


def _in_year(year: int) -> ColumnElement[bool]:
    return CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))


def load_calendar(db: Session) -> HolidayCalendar:
    rows = db.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name))
    return _package().with_entries((d, k, n) for d, k, n in rows)


def year_view(db: Session, year: int) -> CalendarYearOut:
    """What the calendar says about `year`: the admin-recorded days, and the source in force."""
    rows = list(db.scalars(select(CalendarDay).where(_in_year(year)).order_by(CalendarDay.day)))
    pkg = _package()
    if rows:
        source = "recorded"
    elif year in pkg.years:
        source = "package"
    else:
        source = "missing"
    return CalendarYearOut(
        year=year,
        source=source,
        days=[
            CalendarDayIn.model_validate({"date": r.day, "kind": r.kind, "name": r.name})
            for r in rows
        ],
        package_holidays=sorted(d for d in pkg.holidays if d.year == year),
        package_workdays=sorted(d for d in pkg.workdays if d.year == year),
    )


def record_year(db: Session, p: Principal, year: int, days: list[CalendarDayIn]) -> None:
    """Replace the admin-recorded days of `year` (admins only). Every date must be in `year`
    and appear once, so a typo cannot silently mark another year as known."""
    if p.role != "admin":
        raise forbidden("只有管理员可以录入法定节假日安排")
    problems: list[FieldError] = []
    seen: set[dt.date] = set()
    for i, d in enumerate(days):
        if d.date.year != year:
            problems.append(
                FieldError(f"days[{i}].date", "wrong_year", f"日期 {d.date} 不属于 {year} 年")
            )
        elif d.date in seen:
            problems.append(FieldError(f"days[{i}].date", "duplicate", f"日期 {d.date} 重复录入"))
        seen.add(d.date)
    if problems:
        raise InputError(problems)
    before = year_view(db, year).model_dump(mode="json")["days"]
    db.execute(delete(CalendarDay).where(_in_year(year)))
    for d in days:
        db.add(CalendarDay(day=d.date, kind=d.kind, name=d.name, recorded_by=p.username))
    db.flush()
    after = [d.model_dump(mode="json") for d in days]
    record(db, p, "calendar.record", "calendar_year", year, {"days": before}, {"days": after})
    db.commit()


def parse_csv(data: bytes) -> list[CalendarDayIn]:
    """Rows of 日期,类型,名称 (a header row is optional; 类型 is 法定节假日/节假日/放假 or
    调休上班/上班/补班, or holiday/workday). UTF-8 with or without BOM, or GB 18030 as saved by
    Excel on a Chinese Windows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ApiError(
                422, "encoding", "文件编码无法识别，请保存为 UTF-8 CSV", "file"
            ) from None
    out: list[CalendarDayIn] = []
    problems: list[FieldError] = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and cells[0] in ("日期", "date"):
            continue
        path = f"file.row[{n}]"
        if len(cells) < 3:
            problems.append(FieldError(path, "columns", f"第 {n} 行应有 日期、类型、名称 三列"))
            continue
        try:
            day = dt.date.fromisoformat(cells[0].replace("/", "-"))
        except ValueError:
            problems.append(FieldError(path, "date", f"第 {n} 行日期 {cells[0]!r} 应为 YYYY-MM-DD"))
            continue
        kind = _KIND_FROM_TEXT.get(cells[1])
        if kind is None:
            problems.append(
                FieldError(path, "kind", f"第 {n} 行类型 {cells[1]!r} 应为 法定节假日 或 调休上班")
            )
            continue
        if not 1 <= len(cells[2]) <= 64:
            problems.append(FieldError(path, "name", f"第 {n} 行名称应为 1–64 个字"))
            continue
        out.append(CalendarDayIn.model_validate({"date": day, "kind": kind, "name": cells[2]}))
    if problems:
        raise InputError(problems)
    if not out:
        raise ApiError(422, "empty", "文件中没有节假日记录", "file")
    return out
