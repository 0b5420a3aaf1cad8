"""Public money moves only through the lifecycle table's guards, on SQLite and PostgreSQL: no
backdated 公示, objections decided by an officer, no approval the engine or the experts did not
support, duplicate funding caught, districts as registration facts, expert access tied to one
version, rounds with dates, Beijing business dates."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.applications import lifecycle
from huiqi.platform.demo import WAN
from huiqi.rules.credit_code import make_credit_code
from huiqi.rules.id_card import validate_id_card
from tests.helpers.api import AsUser
from tests.helpers.applications import approved_application, expert_ids, to_expert_step
from tests.helpers.clock import SetToday
from tests.helpers.jobs import drain

API = "/api/v1"
pytestmark = pytest.mark.usefixtures("next_year_recorded")


def _publish(client: TestClient, as_user: AsUser, app_id: int, **extra: object):
    body = {"title": "拟支持名单", "application_ids": [app_id], **extra}
    return client.post(f"{API}/notices", json=body, headers=as_user("city_kj"))


def _status(client: TestClient, as_user: AsUser, app_id: int) -> str:
    r = client.get(f"{API}/applications/{app_id}", headers=as_user("admin"))
    return str(r.json()["status"])


def _committed(client: TestClient, as_user: AsUser, measure_id: str) -> int:
    pools = client.get(f"{API}/budgets", params={"fiscal_year": 2023}, headers=as_user("admin"))
    return int(next(p for p in pools.json() if p["measure_id"] == measure_id)["committed_fen"])


# ---- 公示: no backdating, closing only after the last working day -----------------------------


def test_notice_cannot_start_in_the_past_nor_close_early(
    client: TestClient, as_user: AsUser, set_today: SetToday
) -> None:
    app_id = approved_application(client, as_user)
    r = _publish(client, as_user, app_id, start_date="2024-06-14")  # the clock says 2024-06-17
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert (err["path"], err["rule"]) == ("start_date", "not_in_past")
    assert _status(client, as_user, app_id) == "approved"
    r = _publish(client, as_user, app_id)
    assert r.status_code == 201 and r.json()["start_date"] == "2024-06-17"
    batch = r.json()["id"]
    for day in ("2024-06-17", "2024-06-21"):  # first and last working day
        set_today(day)
        r = client.post(f"{API}/notices/{batch}/close", headers=as_user("city_kj"))
        assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "period_running"
    # another bureau's officer may not close it
    set_today("2024-06-24")
    r = client.post(f"{API}/notices/{batch}/close", headers=as_user("city_jx"))
    assert r.status_code == 403
    r = client.post(f"{API}/notices/{batch}/close", headers=as_user("city_kj"))
    assert r.status_code == 200
    assert _status(client, as_user, app_id) == "noticed"


def test_one_publishes_only_applications_of_ones_own_measures(
    client: TestClient, as_user: AsUser
) -> None:
    firm, city = as_user("enterprise2"), as_user("city_jx")
    project = client.get(f"{API}/enterprises/2", headers=firm).json()["projects"][0]["id"]
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 2, "measure_id": "3.1.1", "fiscal_year": 2023,
              "project_id": project},
        headers=firm,
    )  # fmt: skip
    app_id = r.json()["id"]
    client.post(f"{API}/reviews/{app_id}/district", json={"outcome": "pass"},
                headers=as_user("district_ja"))  # fmt: skip
    client.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=city)
    r = client.post(f"{API}/reviews/{app_id}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200, r.text
    # 3.1.1 is 市经信局's: 市科技局 cannot put it on its list
    r = _publish(client, as_user, app_id)
    assert r.status_code == 404 and r.json()["errors"][0]["path"] == "application_ids[0]"
    assert _status(client, as_user, app_id) == "approved"
    r = client.post(f"{API}/notices", json={"title": "x", "application_ids": [app_id]},
                    headers=city)  # fmt: skip
    assert r.status_code == 201


# ---- objections: recorded, shown, decided by an officer ---------------------------------------


def _object(client: TestClient, batch: int, app_id: int, id_number: str, **over: str):
    form = {
        "application_id": str(app_id),
        "real_name": "王小明",
        "id_number": id_number,
        "phone": "13812345678",
        "reason": "该企业研发费用中包含了非研发人员工资，与审计报告不符。",
        **over,
    }
    return client.post(f"{API}/notices/{batch}/public-objections", data=form)


def _id_number(seq: int) -> str:
    """A checksum-valid 居民身份证 number (GB 11643-1999) for test filer `seq`."""
    body = f"42010119900101{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return validate_id_card(body + check, "id_number")


def test_objection_is_checked_dismissed_with_reason_and_the_notice_goes_on(
    client: TestClient, as_user: AsUser, set_today: SetToday
) -> None:
    app_id = approved_application(client, as_user)
    committed = _committed(client, as_user, "2.6.1")
    batch = _publish(client, as_user, app_id).json()["id"]
    r = _object(client, batch, app_id, _id_number(1))
    assert r.status_code == 201, r.text
    objection = r.json()["id"]
    # one anonymous objection does not pull the award: it is listed as under check
    assert _status(client, as_user, app_id) == "in_notice"
    assert _committed(client, as_user, "2.6.1") == committed
    item = client.get(f"{API}/notices/{batch}", headers=as_user("enterprise2")).json()["items"][0]
    assert item["state_zh"] == "有异议·核查中"
    # the period ends while it is being checked: closing passes nothing still under check
    set_today("2024-06-24")
    r = client.post(f"{API}/notices/{batch}/close", headers=as_user("city_kj"))
    assert r.status_code == 200
    assert _status(client, as_user, app_id) == "in_notice"
    # only the responsible bureau decides it, and a decision needs a reason
    url = f"{API}/notices/objections/{objection}/decision"
    r = client.post(url, json={"upheld": False, "reason": "x"}, headers=as_user("district_dh"))
    assert r.status_code == 403
    r = client.post(url, json={"upheld": False, "reason": " "}, headers=as_user("city_kj"))
    assert r.status_code == 422
    reason = "经核查，工资均为研发人员工资，审计报告一致"
    r = client.post(url, json={"upheld": False, "reason": reason}, headers=as_user("city_kj"))
    assert r.status_code == 200 and r.json()["status"] == "dismissed", r.text
    assert _status(client, as_user, app_id) == "noticed"
    item = client.get(f"{API}/notices/{batch}", headers=as_user("enterprise2")).json()["items"][0]
    assert item["state"] == "passed" and item["notes"] == [f"异议不成立：{reason}"]
    r = client.post(url, json={"upheld": True, "reason": "再议"}, headers=as_user("city_kj"))
    assert r.status_code == 409


def test_upheld_objection_releases_budget_and_goes_back_to_recheck(
    client: TestClient, as_user: AsUser
) -> None:
    app_id = approved_application(client, as_user)
    batch = _publish(client, as_user, app_id).json()["id"]
    objection = _object(client, batch, app_id, _id_number(2)).json()["id"]
    r = client.post(
        f"{API}/notices/objections/{objection}/decision",
        json={"upheld": True, "reason": "审计报告与申报不符"},
        headers=as_user("city_kj"),
    )
    assert r.status_code == 200
    assert _status(client, as_user, app_id) == "district_passed"
    assert _committed(client, as_user, "2.6.1") == 0
    item = client.get(f"{API}/notices/{batch}", headers=as_user("enterprise2")).json()["items"][0]
    assert item["state"] == "upheld" and item["amount_fen"] is None


def test_anonymous_objections_are_limited_per_id_number_and_address(
    client: TestClient, as_user: AsUser
) -> None:
    app_id = approved_application(client, as_user)
    batch = _publish(client, as_user, app_id).json()["id"]
    client.cookies.clear()
    assert _object(client, batch, app_id, _id_number(3)).status_code == 201
    r = _object(client, batch, app_id, _id_number(3))  # the same person again
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "already_objected"
    assert _object(client, batch, app_id, _id_number(4)).status_code == 201
    assert _object(client, batch, app_id, _id_number(5)).status_code == 201
    r = _object(client, batch, app_id, _id_number(6))  # a fourth from the same address
    assert r.status_code == 429 and r.json()["errors"][0]["rule"] == "objection_limit"
    objs = client.get(
        f"{API}/notices/applications/{app_id}/objections", headers=as_user("city_kj")
    ).json()
    assert len(objs) == 3 and {o["status"] for o in objs} == {"pending"}


# ---- decisions: engine and experts bound the amount ----------------------------------------


def _firm_without_node(client: TestClient, as_user: AsUser) -> dict[str, str]:
    """A new firm in 江岸区 with no recognitions, and its enterprise login."""
    admin = as_user("admin")
    r = client.post(
        f"{API}/enterprises",
        json={
            "credit_code": make_credit_code("91420102MA4K0D009"),
            "name": "无节点公司",
            "district": "江岸区",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    ent_id = r.json()["id"]
    r = client.post(
        f"{API}/users",
        json={"username": "nonode", "password": "Demo-2026-ok", "role": "enterprise",
              "enterprise_id": ent_id},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/auth/login", json={"username": "nonode", "password": "Demo-2026-ok"})
    return {"Authorization": f"Bearer {r.json()['token']}", "X-Enterprise": str(ent_id)}


def test_engine_ineligible_discretionary_claim_cannot_be_approved(
    client: TestClient, as_user: AsUser
) -> None:
    firm = _firm_without_node(client, as_user)
    ent_id = int(firm.pop("X-Enterprise"))
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": ent_id, "measure_id": "1.3.1", "fiscal_year": 2023,
              "requested_amount_fen": 10 * WAN},
        headers=firm,
    )  # fmt: skip
    assert r.status_code == 201 and r.json()["engine_status"] == "ineligible", r.text
    app_id = r.json()["id"]
    client.post(f"{API}/reviews/{app_id}/district", json={"outcome": "pass"},
                headers=as_user("district_ja"))  # fmt: skip
    city = as_user("city_jx")
    r = client.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 200, r.text
    e1 = expert_ids(client, as_user)["expert1"]
    client.post(f"{API}/reviews/{app_id}/experts", json={"expert_ids": [e1]}, headers=city)
    client.post(
        f"{API}/experts/applications/{app_id}/opinion",
        json={"opinion": "agree", "score": 80, "conflict_declared": True},
        headers=as_user("expert1"),
    )
    r = client.post(f"{API}/reviews/{app_id}/expert", json={"outcome": "pass"}, headers=city)
    assert r.status_code == 200, r.text
    r = client.post(
        f"{API}/reviews/{app_id}/decision",
        json={"approve": True, "amount_fen": 10 * WAN, "reason": "专家同意"},
        headers=city,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "engine_ineligible"
    r = client.post(
        f"{API}/reviews/{app_id}/decision",
        json={"approve": False, "reason": "不具备二级节点"},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["application"]["status"] == "rejected"


def test_decided_amount_within_request_and_reason_for_other_amounts(
    client: TestClient, as_user: AsUser
) -> None:
    app_id = to_expert_step(client, as_user)  # 1.3.1 asking 150万, cap 200万
    city = as_user("city_jx")
    e1 = expert_ids(client, as_user)["expert1"]
    client.post(f"{API}/reviews/{app_id}/experts", json={"expert_ids": [e1]}, headers=city)
    r = client.post(
        f"{API}/experts/applications/{app_id}/opinion",
        json={"opinion": "amend", "score": 85, "conflict_declared": True,
              "recommended_amount_fen": 100 * WAN},
        headers=as_user("expert1"),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    client.post(f"{API}/reviews/{app_id}/expert", json={"outcome": "pass"}, headers=city)
    url = f"{API}/reviews/{app_id}/decision"
    r = client.post(url, json={"approve": True, "amount_fen": 3000 * WAN, "reason": "x"},
                    headers=city)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "over_cap"
    r = client.post(url, json={"approve": True, "amount_fen": 160 * WAN, "reason": "x"},
                    headers=city)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "over_requested"
    r = client.post(url, json={"approve": True, "amount_fen": 120 * WAN}, headers=city)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "reason_required"
    r = client.post(url, json={"approve": True, "amount_fen": 100 * WAN}, headers=city)
    assert r.status_code == 200, r.text  # the experts' recommendation: no reason needed


# ---- duplicate funding -----------------------------------------------------------------------


def test_copied_project_is_flagged_and_needs_a_second_officer(
    client: TestClient, as_user: AsUser
) -> None:
    firm = as_user("enterprise2")
    profile = client.get(f"{API}/enterprises/2", headers=firm).json()
    original = profile["projects"][0]
    city, district = as_user("city_jx"), as_user("district_ja")

    def through_recheck(project_id: int) -> int:
        r = client.post(
            f"{API}/applications",
            json={"enterprise_id": 2, "measure_id": "3.1.1", "fiscal_year": 2023,
                  "project_id": project_id},
            headers=firm,
        )  # fmt: skip
        assert r.status_code == 201, r.text
        app_id = int(r.json()["id"])
        client.post(f"{API}/reviews/{app_id}/district", json={"outcome": "pass"}, headers=district)
        r = client.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}, headers=city)
        assert r.status_code == 200, r.text
        return app_id

    first = through_recheck(original["id"])
    r = client.post(f"{API}/reviews/{first}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200, r.text
    # the same project again under a new name
    copy = {k: v for k, v in original.items() if k not in ("id", "enterprise_id")}
    copy["name"] = "总装车间数字化升级"
    r = client.post(f"{API}/enterprises/2/projects", json=copy, headers=firm)
    assert r.status_code == 201, r.text
    second = through_recheck(r.json()["id"])
    detail = client.get(f"{API}/applications/{second}", headers=city).json()
    flags = detail["reviews"][-1]["details"]["recheck"]["duplicate_flags"]
    assert flags and flags[0]["project_id"] == original["id"] and flags[0]["already_paid"]
    url = f"{API}/reviews/{second}/decision"
    r = client.post(url, json={"approve": True}, headers=city)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "duplicate_unconfirmed"
    dup = f"{API}/reviews/{second}/duplicates"
    r = client.post(f"{dup}/confirm", headers=city)
    assert r.status_code == 409  # nothing explained yet
    r = client.post(f"{dup}/explain", json={"reason": "二期工程，另行立项，发票不同"}, headers=city)
    assert r.status_code == 200, r.text
    r = client.post(f"{dup}/confirm", headers=city)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "same_officer"
    r = client.post(url, json={"approve": True}, headers=city)
    assert r.status_code == 409
    r = client.post(f"{dup}/confirm", headers=as_user("admin"))
    assert r.status_code == 200 and r.json()["confirmed_by"] == "admin"
    r = client.post(url, json={"approve": True}, headers=city)
    assert r.status_code == 200, r.text


# ---- districts --------------------------------------------------------------------------------


def test_district_is_a_registration_fact_and_routing_uses_the_frozen_one(
    client: TestClient, as_user: AsUser
) -> None:
    firm = as_user("enterprise1")
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=firm,
    )
    app_id = r.json()["id"]
    assert r.json()["district"] == "东湖高新区"
    r = client.patch(f"{API}/enterprises/1", json={"district": "江岸区"}, headers=firm)
    assert r.status_code == 403
    url = f"{API}/enterprises/1/district"
    r = client.put(url, json={"district": "光谷区", "reason": "登记变更"}, headers=as_user("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "unknown_district"
    r = client.put(url, json={"district": "江岸区", "reason": "工商登记迁址"},
                   headers=as_user("district_dh"))  # fmt: skip
    assert r.status_code == 200 and r.json()["district"] == "江岸区"
    audit = client.get(f"{API}/audit", params={"entity": "enterprise"},
                       headers=as_user("admin")).json()  # fmt: skip
    assert "enterprise.district" in [e["action"] for e in audit]
    # the claim submitted before stays with 东湖高新区
    dh = client.get(f"{API}/reviews/queue", headers=as_user("district_dh")).json()
    ja = client.get(f"{API}/reviews/queue", headers=as_user("district_ja")).json()
    assert app_id in [a["id"] for a in dh] and app_id not in [a["id"] for a in ja]
    r = client.post(f"{API}/reviews/{app_id}/district", json={"outcome": "pass"},
                    headers=as_user("district_ja"))  # fmt: skip
    assert r.status_code == 404


# ---- experts ---------------------------------------------------------------------------------


def test_recusal_and_a_new_version_end_expert_access_at_once(
    client: TestClient, as_user: AsUser
) -> None:
    app_id = to_expert_step(client, as_user)
    city = as_user("city_jx")
    ids = expert_ids(client, as_user)
    client.post(f"{API}/reviews/{app_id}/experts", json={"expert_ids": list(ids.values())},
                headers=city)  # fmt: skip
    e1, e2 = as_user("expert1"), as_user("expert2")
    assert client.get(f"{API}/experts/applications/{app_id}", headers=e1).status_code == 200
    r = client.post(f"{API}/experts/applications/{app_id}/recuse", json={"reason": "曾为其咨询"},
                    headers=e1)  # fmt: skip
    assert r.status_code == 200
    assert client.get(f"{API}/experts/applications/{app_id}", headers=e1).status_code == 404
    # expert2 reads version 1; a return and amendment make version 2: access ends
    assert client.get(f"{API}/experts/applications/{app_id}", headers=e2).status_code == 200
    client.post(f"{API}/applications/{app_id}/return", json={"reason": "补充材料"}, headers=city)
    r = client.post(f"{API}/applications/{app_id}/amend", json={},
                    headers=as_user("enterprise1"))  # fmt: skip
    assert r.status_code == 200 and r.json()["version"] == 2
    assert client.get(f"{API}/experts/applications/{app_id}", headers=e2).status_code == 404


# ---- rounds and the 申报日 -------------------------------------------------------------------


def test_no_submission_outside_an_open_round_or_after_the_policy(
    client: TestClient, as_user: AsUser, set_today: SetToday
) -> None:
    firm = as_user("enterprise1")
    body = {"enterprise_id": 1, "measure_id": "2.6.2", "fiscal_year": 2024}
    r = client.post(f"{API}/applications", json=body, headers=firm)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "round_closed"
    r = client.post(f"{API}/applications", json={**body, "as_of": "2024-12-31"}, headers=firm)
    assert r.status_code == 422  # the 申报日 is not the firm's to choose
    city = as_user("city_kj")
    round_ = {"measure_id": "2.6.2", "fiscal_year": 2024, "opens_on": "2025-03-01",
              "closes_on": "2025-06-30"}  # fmt: skip
    r = client.post(f"{API}/rounds", json=round_, headers=city)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "outside_window"
    r = client.post(f"{API}/rounds", json={**round_, "opens_on": "2024-01-02"}, headers=city)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "not_in_past"
    r = client.post(f"{API}/rounds", json={**round_, "closes_on": "2025-05-31"}, headers=city)
    assert r.status_code == 201, r.text
    set_today("2025-02-28")
    assert client.post(f"{API}/applications", json=body, headers=firm).status_code == 409
    set_today("2025-03-03")
    r = client.post(f"{API}/applications", json=body, headers=firm)
    assert r.status_code == 201, r.text
    assert r.json()["application_date"] == "2025-03-03"
    detail = client.get(f"{API}/applications/{r.json()['id']}", headers=firm).json()
    assert detail["facts"]["as_of"] == "2025-03-03"
    # after the policy ended (as in a live deployment today): no round can open
    set_today("2026-12-01")
    r = client.post(f"{API}/rounds", json={**round_, "opens_on": "2026-12-01",
                                           "closes_on": "2026-12-31"}, headers=city)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "outside_window"
    r = client.post(f"{API}/applications", json={**body, "measure_id": "2.6.1"}, headers=firm)
    assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "round_closed"


def test_declining_an_offer_does_not_stop_applying_later(
    client: TestClient, app: FastAPI, as_user: AsUser
) -> None:
    city = as_user("city_kj")
    r = client.post(
        f"{API}/campaigns",
        json={"measure_id": "2.6.3", "fiscal_year": 2023, "title": "DCMM 免申即享"},
        headers=city,
    )
    assert r.status_code == 202, r.text  # campaigns run as a background job
    drain(app)
    firm = as_user("enterprise1")
    pushes = client.get(f"{API}/campaigns/pushes", headers=firm).json()
    assert pushes, "enterprise1 holds DCMM level 3"
    r = client.post(f"{API}/campaigns/pushes/{pushes[0]['id']}/decline", headers=firm)
    assert r.status_code == 200, r.text
    offer = pushes[0]["application_id"]
    claim = {"enterprise_id": 1, "measure_id": "2.6.3", "fiscal_year": 2023}
    # a draft may take the declined offer over; deleting it puts the declined offer back
    r = client.post(f"{API}/applications/drafts", json=claim, headers=firm)
    assert r.status_code == 201 and r.json()["id"] == offer, r.text
    assert client.delete(f"{API}/applications/{offer}", headers=firm).status_code == 204
    assert _status(client, as_user, offer) == "declined"
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.3", "fiscal_year": 2023},
        headers=firm,
    )
    assert r.status_code == 201 and r.json()["status"] == "submitted", r.text


# ---- Beijing business date -------------------------------------------------------------------


def test_between_midnight_and_eight_beijing_the_business_day_is_beijings(
    client: TestClient, as_user: AsUser, monkeypatch
) -> None:
    app_id = approved_application(client, as_user)
    monkeypatch.delenv("HUIQI_TODAY")
    # 01:00 on Tue 18 June in Beijing is still Mon 17 June in UTC
    monkeypatch.setattr(
        "huiqi.platform.clock.now_utc", lambda: dt.datetime(2024, 6, 17, 17, 0, tzinfo=dt.UTC)
    )
    r = _publish(client, as_user, app_id)
    assert r.status_code == 201 and r.json()["start_date"] == "2024-06-18"
    r = _object(client, r.json()["id"], app_id, _id_number(7))
    assert r.status_code == 201, r.text  # the first day takes objections


# ---- the table itself ------------------------------------------------------------------------


def test_actions_offered_follow_the_table(client: TestClient, as_user: AsUser) -> None:
    r = client.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
        headers=as_user("enterprise1"),
    )
    app_id = r.json()["id"]

    def offered(user: str) -> set[str]:
        r = client.get(f"{API}/applications/{app_id}/actions", headers=as_user(user))
        return {a["action"] for a in r.json()} if r.status_code == 200 else {f"{r.status_code}"}

    assert offered("enterprise1") == {"withdraw"}
    assert offered("district_dh") == {"district_pass", "district_reject", "return"}
    assert offered("city_kj") == set()
    assert offered("district_ja") == {"404"}
    table = client.get(f"{API}/lifecycle", headers=as_user("city_kj")).json()
    assert len(table) == len(lifecycle.LIFECYCLE.rows)
