"""Working days: Monday to Friday. Statutory holidays and 调休 weekends are not modelled; the
period is a minimum, and officers may choose a longer one where holidays fall inside it."""

from __future__ import annotations

import datetime as dt


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def end_of_period(start: dt.date, working_days: int) -> dt.date:
    """The last day of a period of `working_days` working days beginning on `start`
    (or on the next working day if `start` falls on a weekend)."""
    if working_days < 1:
        raise ValueError("working_days must be >= 1")
    day = start
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    counted = 1
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
