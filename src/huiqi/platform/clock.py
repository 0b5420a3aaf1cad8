"""Business time: every "today" of the platform is a Beijing date (Asia/Shanghai).

Servers run in UTC; between 00:00 and 08:00 Beijing time the UTC date is still yesterday, which
would shorten a 公示 by a working day or accept an objection after its period. So nothing in the
platform reads the server's own date: it asks `business_today()`.

`HUIQI_TODAY=YYYY-MM-DD` pins the business date for a demo inside the policy's window (the
pages then say 演示环境). It never applies unless set explicitly.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

# The business time zone: Beijing time (HUIQI_TIME_ZONE exists for a deployment whose policy is
# set in another zone; every date rule of this platform reads it through these functions).
BEIJING = ZoneInfo(os.environ.get("HUIQI_TIME_ZONE") or "Asia/Shanghai")


def demo_today() -> dt.date | None:
    """The pinned demo date, or None in a live deployment."""
    text = os.environ.get("HUIQI_TODAY", "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"HUIQI_TODAY 须为 YYYY-MM-DD 日期，收到 {text!r}") from exc


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def now_beijing() -> dt.datetime:
    return now_utc().astimezone(BEIJING)


def business_today() -> dt.date:
    """Today's date in Beijing (or the demo date when HUIQI_TODAY pins one)."""
    return demo_today() or now_beijing().date()


def to_beijing(moment: dt.datetime) -> dt.datetime:
    """A stored instant shown as Beijing time (naive values are taken as UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING)
