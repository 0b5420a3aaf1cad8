"""Working days under the State Council's schedule: statutory holidays are not working days, and
调休 make-up days (a Saturday or Sunday declared a working day) are.

The schedule comes from two sources. The `chinese-calendar` package carries the published
schedule for the years it knows (1.11.0: 2004–2026); admins record later years (or corrections)
in the `calendar_days` table, and those rows win. A year neither source covers is refused with
`UnknownYear` rather than counted Monday–Friday: a 公示 period that silently ran through an
unrecorded Spring Festival would end days early and cut short the public's right to object.

The functions are pure: the calendar is a value passed in, so the rules are testable without a
database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar


class UnknownYear(Exception):
    def __init__(self, year: int) -> None:
        super().__init__(f"no holiday schedule for {year}")
        self.year = year


@dataclass(frozen=True)
class HolidayCalendar:
    """`holidays` and `workdays` map a date to the holiday's name; `years` are the years whose
    schedule is known (a day outside them raises UnknownYear)."""

    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    workdays: Mapping[dt.date, str] = field(default_factory=dict)
    years: frozenset[int] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day.year not in self.years:
            raise UnknownYear(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def with_entries(self, entries: Iterable[tuple[dt.date, str, str]]) -> HolidayCalendar:
        """This calendar overlaid with (date, "holiday" | "workday", name) entries; each entry's
        year becomes known. An entry replaces whatever the base said about that date."""
        holidays = dict(self.holidays)
        workdays = dict(self.workdays)
        years = set(self.years)
        for day, kind, name in entries:
            holidays.pop(day, None)
            workdays.pop(day, None)
            (holidays if kind == "holiday" else workdays)[day] = name
            years.add(day.year)
        return HolidayCalendar(holidays, workdays, frozenset(years))


_ZH_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _zh(name: object) -> str:
    text = str(name)
    return _ZH_NAMES.get(text, text)


def package_calendar() -> HolidayCalendar:
    """The schedule published in the `chinese-calendar` package, names in Chinese."""
    holidays = {d: _zh(n) for d, n in chinese_calendar.holidays.items()}
    workdays = {d: _zh(n) for d, n in chinese_calendar.workdays.items()}
    first, last = min(holidays).year, max(holidays).year
    return HolidayCalendar(holidays, workdays, frozenset(range(first, last + 1)))


def end_of_period(start: dt.date, working_days: int, calendar: HolidayCalendar) -> dt.date:
    """The last day of a period of `working_days` working days beginning on `start` (or on the
    next working day if `start` is a weekend or holiday). Raises UnknownYear when the period
    reaches a year the calendar does not know."""
    if working_days < 1:
        raise ValueError("working_days must be >= 1")
    # Ends: the calendar knows finitely many years, so the walk either counts enough working
    # days or reaches an unknown year.
    day = start
    counted = 0
    while True:
        if calendar.is_working_day(day):
            counted += 1
            if counted == working_days:
                return day
        day += dt.timedelta(days=1)
