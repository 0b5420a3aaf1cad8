"""公示 periods on the State Council's holiday schedule: the pure rules (no database), then the
API on both databases — a period into a year nobody has recorded is refused, and recording that
year (by JSON or CSV) makes it work."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from huiqi.platform.public_notices.workdays import (
    HolidayCalendar,
    UnknownYear,
    end_of_period,
    package_calendar,
)
from tests.helpers.api import AsUser
from tests.helpers.applications import approved_application

API = "/api/v1"
D = dt.date
CAL = package_calendar()


def test_national_day_2025_is_skipped_and_make_up_days_count() -> None:
    # Mon 29 Sep, Tue 30 Sep, (1–8 Oct 国庆+中秋), Thu 9, Fri 10, Sat 11 Oct (调休上班)
    assert end_of_period(D(2025, 9, 29), 5, CAL) == D(2025, 10, 11)
    # Mon–Fri counting would have ended on Fri 3 Oct, in the middle of the holiday
    assert CAL.is_working_day(D(2025, 10, 3)) is False
    # Sat 27 Sep is a weekend; Sun 28 Sep is a 调休 working day and starts the period
    assert end_of_period(D(2025, 9, 27), 1, CAL) == D(2025, 9, 28)
    assert end_of_period(D(2025, 9, 27), 5, CAL) == D(2025, 10, 10)


def test_spring_festival_2026() -> None:
    # Thu 12, Fri 13, Sat 14 Feb (调休上班), 15–23 Feb 春节, Tue 24, Wed 25
    assert end_of_period(D(2026, 2, 12), 5, CAL) == D(2026, 2, 25)
    # a period starting inside the holiday starts on its first working day
    assert end_of_period(D(2026, 2, 16), 1, CAL) == D(2026, 2, 24)
    assert CAL.is_working_day(D(2026, 2, 28)) is True  # Saturday, 调休上班


def test_an_unknown_year_is_refused_not_guessed() -> None:
    with pytest.raises(UnknownYear) as exc:
        end_of_period(D(2026, 12, 28), 10, CAL)
    assert exc.value.year == 2027
    with pytest.raises(UnknownYear):
        HolidayCalendar().is_working_day(D(2024, 6, 3))


def test_recorded_entries_override_and_make_a_year_known() -> None:
    cal = CAL.with_entries(
        [
            (D(2027, 1, 1), "holiday", "元旦"),
            (D(2026, 12, 31), "holiday", "测试更正"),  # overrides the package's working Thursday
        ]
    )
    assert cal.is_working_day(D(2026, 12, 31)) is False
    # Mon 28, Tue 29, Wed 30 Dec, (31 Dec, 1 Jan holidays), Mon 4 Jan 2027
    assert end_of_period(D(2026, 12, 28), 4, cal) == D(2027, 1, 4)
    workday = cal.with_entries([(D(2027, 1, 2), "workday", "元旦")])
    assert workday.is_working_day(D(2027, 1, 2)) is True  # a Saturday made a working day


# ---- through the API, on SQLite and PostgreSQL --------------------------------------------------


def test_batch_over_national_day_ends_after_the_holiday(
    client: TestClient, as_user: AsUser
) -> None:
    app_id = approved_application(client, as_user)
    r = client.post(
        f"{API}/notices",
        json={"title": "国庆前公示", "application_ids": [app_id], "start_date": "2025-09-29"},
        headers=as_user("city_kj"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["end_date"] == "2025-10-11"


def test_batch_into_an_unrecorded_year_is_refused_until_an_admin_records_it(
    client: TestClient, as_user: AsUser
) -> None:
    app_id = approved_application(client, as_user)
    city = as_user("city_kj")
    batch = {"title": "跨年公示", "application_ids": [app_id], "start_date": "2026-12-28"}
    r = client.post(f"{API}/notices", json={**batch, "working_days": 10}, headers=city)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["path"] == "working_days" and err["rule"] == "holiday_calendar_missing"
    assert err["message"].startswith("2027 年的法定节假日安排尚未录入，无法计算公示期截止日")
    # nothing was written: the application is still waiting to be listed
    detail = client.get(f"{API}/applications/{app_id}", headers=city).json()
    assert detail["status"] == "approved"
    r = client.post(f"{API}/notices", json={**batch, "start_date": "2027-03-01"}, headers=city)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "start_date"
    assert client.get(f"{API}/notices/holiday-calendar/2027", headers=city).json()["source"] == (
        "missing"
    )

    days_2027 = {
        "days": [
            {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
            {"date": "2027-01-04", "kind": "holiday", "name": "元旦"},
            {"date": "2027-01-09", "kind": "workday", "name": "元旦"},
        ]
    }
    # only admins record the schedule
    r = client.put(f"{API}/notices/holiday-calendar/2027", json=days_2027, headers=city)
    assert r.status_code == 403
    admin = as_user("admin")
    wrong_year = {"days": [{"date": "2028-01-01", "kind": "holiday", "name": "元旦"}]}
    r = client.put(f"{API}/notices/holiday-calendar/2027", json=wrong_year, headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "days[0].date"
    r = client.put(f"{API}/notices/holiday-calendar/2027", json=days_2027, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "recorded" and len(r.json()["days"]) == 3

    r = client.post(f"{API}/notices", json={**batch, "working_days": 10}, headers=city)
    assert r.status_code == 201, r.text
    # 28–31 Dec 2026 (4), then 1 Jan holiday, Mon 4 Jan holiday, 5–8 Jan (4), Sat 9 Jan 调休 (1),
    # Mon 11 Jan (10th)
    assert r.json()["end_date"] == "2027-01-11"
    audit = client.get(f"{API}/audit", params={"entity": "calendar_year"}, headers=admin)
    assert audit.status_code == 200
    assert [(e["action"], e["entity_id"]) for e in audit.json()] == [("calendar.record", "2027")]


def test_calendar_csv_import(client: TestClient, as_user: AsUser) -> None:
    admin = as_user("admin")
    csv_text = "日期,类型,名称\n2027-02-05,法定节假日,春节\n2027-02-13,调休上班,春节\n"
    r = client.post(
        f"{API}/notices/holiday-calendar/2027/import",
        files={"file": ("2027.csv", csv_text.encode("utf-8-sig"), "text/csv")},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert [(d["date"], d["kind"]) for d in r.json()["days"]] == [
        ("2027-02-05", "holiday"),
        ("2027-02-13", "workday"),
    ]
    bad = "2027-02-05,放个假吧,春节\n"
    r = client.post(
        f"{API}/notices/holiday-calendar/2027/import",
        files={"file": ("bad.csv", bad.encode(), "text/csv")},
        headers=admin,
    )
    assert r.status_code == 422 and "类型" in r.json()["errors"][0]["message"]
    # the failed import did not replace what was recorded
    days = client.get(f"{API}/notices/holiday-calendar/2027", headers=admin).json()["days"]
    assert len(days) == 2
