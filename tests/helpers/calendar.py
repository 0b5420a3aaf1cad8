"""Test setup: let 公示 periods that start today run into next year.

Tests publish batches starting today. From late December a period of 5-7 working days runs
into the next year, and the platform refuses a year whose holiday schedule nobody has recorded
(public_notices/workdays.py) until the installed chinese-calendar knows it. An admin records it
then; so does this, as that admin, with next year's 元旦 (all a period starting in December can
reach), and only when the package does not know the year yet.
"""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from sqlalchemy import select

from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.public_notices.calendar import record_year
from huiqi.platform.public_notices.schemas import CalendarDayIn
from huiqi.platform.public_notices.workdays import package_calendar


def cover_next_year(app: FastAPI, today: dt.date | None = None) -> bool:
    """Record next year's 元旦 if needed; True when it did."""
    next_year = (today or business_today()).year + 1
    if next_year in package_calendar().years:
        return False
    with app.state.sessionmaker() as db:
        admin = db.scalar(select(User).where(User.username == "admin"))
        assert admin is not None, "the demo seed makes the admin"
        new_year = CalendarDayIn(date=dt.date(next_year, 1, 1), kind="holiday", name="元旦")
        record_year(db, Principal.of(admin), next_year, [new_year])
    return True
