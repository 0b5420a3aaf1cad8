"""The business date the platform and page tests run on.

The reference policy's window ended on 2025-05-31, and rounds (申报批次) may not reach past it,
so a test that submits claims runs on the demo clock (HUIQI_TODAY) inside the window, as the
demo does. A test moves the clock with `set_today` (e.g. past a 公示's last working day).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator

import pytest

# the `set_today` fixture: moves the business date for one test
SetToday = Callable[[dt.date | str], None]

TEST_TODAY = dt.date(2024, 6, 17)  # a Monday inside the window, in the year 2023 is claimed


@pytest.fixture(scope="session", autouse=True)
def demo_clock() -> Iterator[None]:
    # session-wide (not monkeypatch) so module-scoped live servers seed on the same clock
    old = os.environ.get("HUIQI_TODAY")
    os.environ["HUIQI_TODAY"] = TEST_TODAY.isoformat()
    yield
    if old is None:
        os.environ.pop("HUIQI_TODAY", None)
    else:
        os.environ["HUIQI_TODAY"] = old


@pytest.fixture
def set_today(monkeypatch: pytest.MonkeyPatch) -> SetToday:
    """Move the business date for this test (restored afterwards)."""

    def _set(day: dt.date | str) -> None:
        monkeypatch.setenv("HUIQI_TODAY", str(day))

    return _set
