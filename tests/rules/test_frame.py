from __future__ import annotations

import datetime as dt

import numpy as np

from huiqi.rules.frame import add_years, date_to_days, days_to_date, year_of


def _add(d: str, years: int) -> str:
    days = np.array([date_to_days(dt.date.fromisoformat(d))], dtype=np.int64)
    return days_to_date(int(add_years(days, years)[0])).isoformat()


def test_add_years_keeps_the_calendar_date() -> None:
    assert _add("2022-03-01", 2) == "2024-03-01"
    assert _add("2022-12-31", 2) == "2024-12-31"
    assert _add("2024-02-29", 2) == "2026-02-28"  # no 29 Feb: the last day of February
    assert _add("2024-02-29", 4) == "2028-02-29"
    assert _add("2025-06-30", -3) == "2022-06-30"


def test_year_of() -> None:
    days = np.array([date_to_days(dt.date(2024, 6, 30)), date_to_days(dt.date(1999, 1, 1))])
    assert year_of(days).tolist() == [2024, 1999]
