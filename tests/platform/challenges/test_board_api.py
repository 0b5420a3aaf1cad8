"""The 揭榜挂帅 board through the API on SQLite and PostgreSQL: publish, 揭榜 by a 联合体, expert
score, select, agreement, milestone report, 考核认定, and the 3.6.1 claim it files going through
review, 公示 and payment, its amount equal to `huiqi evaluate` on the same facts."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from huiqi.platform.demo import WAN, sample_pdf
from tests.helpers.applications import notice_and_pay, review_to_decision
from tests.platform.challenges.support import (
    API,
    INVESTMENT_FEN,
    MEMBER,
    publish,
    task_body,
    to_in_progress,
)


def evaluate_cli(case: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "huiqi.cli.main", "evaluate", "-", "--measure", "3.6.1"],
        input=json.dumps(case, ensure_ascii=False),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["results"]
    assert len(rows) == 1
    return dict(rows[0])


def fen(amount: str) -> int:
    return int(Decimal(amount) * 100)


def test_board_to_paid_361_claim(client: TestClient, as_user, set_today) -> None:  # type: ignore[no-untyped-def]
    city, firm = as_user("city_jx"), as_user("enterprise1")
    batch = publish(client, city, task_body(), task_body(title="园区5G专网", field="5G"))
    task_id = batch["tasks"][0]["id"]
    board = client.get(f"{API}/challenges/board").json()  # no login
    assert [t["open"] for t in board["batches"][0]["tasks"]] == [True, True]

    bid_id = to_in_progress(client, as_user, task_id)
    bid = client.get(f"{API}/challenges/bids/{bid_id}", headers=firm).json()
    assert [(p["role"], p["name"]) for p in bid["parties"]] == [
        ("lead", "武汉光谷示例软件有限公司"),
        ("member", MEMBER["name"]),
    ]
    assert bid["scores"] == []  # the firm does not see the experts' scores
    assert bid["allowed"] == ["report"]

    r = client.post(
        f"{API}/challenges/bids/{bid_id}/reports",
        data={"milestone": "0", "summary": "试点产线上线，漏检率万分之三"},
        files=[("files", ("验收记录.pdf", sample_pdf("pilot line"), "application/pdf"))],
        headers=firm,
    )
    assert r.status_code == 201, r.text
    report = r.json()
    r = client.get(f"{API}/challenges/bids/{bid_id}/reports/{report['id']}/files/0", headers=city)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")

    r = client.post(
        f"{API}/challenges/bids/{bid_id}/assessment",
        json={
            "passed": True,
            "assessed_on": "2024-06-17",
            "report": "三条产线上线运行，指标达标",
            "total_investment_fen": INVESTMENT_FEN,
        },
        headers=city,
    )
    assert r.status_code == 200, r.text
    bid = r.json()
    assert bid["status"] == "passed" and bid["application_id"]
    app_id = bid["application_id"]

    app = client.get(f"{API}/applications/{app_id}", headers=firm).json()
    assert (app["measure_id"], app["status"], app["source"]) == ("3.6.1", "submitted", "challenge")
    project = next(p for p in app["facts"]["projects"] if str(p["id"]) == str(app["project_id"]))
    assert project["assessment_passed"] is True and project["assessment_date"] == "2024-06-17"
    # 30% of 4,567,891.23 元 = 1,370,367.369 元 -> 1,370,367.37
    assert app["engine_status"] == "eligible" and app["engine_amount_fen"] == 137_036_737

    # the frozen evaluation equals `huiqi evaluate` on the same facts: the frozen case itself,
    # and a case written from the board's record by hand
    assert fen(evaluate_cli(app["facts"])["amount"]) == app["engine_amount_fen"]
    by_hand = {
        "as_of": app["application_date"],
        "fiscal_year": app["fiscal_year"],
        "enterprise": app["facts"]["enterprise"],
        "projects": [
            {
                "id": str(app["project_id"]),
                "kind": "scenario_challenge",
                "total_investment": f"{INVESTMENT_FEN // 100}.{INVESTMENT_FEN % 100:02d}",
                "assessment_passed": True,
                "assessment_date": "2024-06-17",
            }
        ],
    }
    row = evaluate_cli(by_hand)
    assert row["status"] == "eligible" and fen(row["amount"]) == 137_036_737

    # the claim goes the ordinary way: review, decision, 公示, payment
    r = client.put(
        f"{API}/budgets",
        json={"measure_id": "3.6.1", "fiscal_year": 2024, "total_fen": 1000 * WAN},
        headers=as_user("admin"),
    )
    assert r.status_code == 200, r.text
    review_to_decision(client, as_user, app_id, "district_dh", "city_jx")
    r = client.post(f"{API}/reviews/{app_id}/decision", json={"approve": True}, headers=city)
    assert r.status_code == 200, r.text
    assert r.json()["application"]["decided_amount_fen"] == 137_036_737
    payments = notice_and_pay(client, as_user, app_id, "city_jx", set_today)
    assert sum(int(p["amount_fen"]) for p in payments) == 137_036_737
    for p in payments:
        payer = "city_jx" if p["payer"] == "city" else "district_dh"
        r = client.post(
            f"{API}/payments/{p['id']}/paid",
            json={"voucher": f"JB-{p['id']}"},
            headers=as_user(payer),
        )
        assert r.status_code == 200, r.text
    assert client.get(f"{API}/applications/{app_id}", headers=firm).json()["status"] == "paid"

    # the public board shows the result, not the plan or scores
    board = client.get(f"{API}/challenges/board").json()
    result = board["batches"][0]["tasks"][0]["results"]
    assert [(x["lead"], x["members"], x["assessment_passed"]) for x in result] == [
        ("武汉光谷示例软件有限公司", [MEMBER["name"]], True)
    ]
    assert "plan" not in json.dumps(board, ensure_ascii=False)
    assert client.get(f"{API}/audit/verify", headers=as_user("admin")).json()["ok"] is True


def test_failed_assessment_files_no_claim(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("city_jx")
    task_id = publish(client, city, task_body())["tasks"][0]["id"]
    bid_id = to_in_progress(client, as_user, task_id)
    r = client.post(
        f"{API}/challenges/bids/{bid_id}/assessment",
        json={"passed": False, "assessed_on": "2024-06-17", "report": "漏检率未达标",
              "total_investment_fen": INVESTMENT_FEN},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "failed"
    assert r.json()["application_id"] is None
    apps = client.get(f"{API}/applications", headers=as_user("enterprise1")).json()
    assert not [a for a in apps if a["measure_id"] == "3.6.1"]


def test_firm_cannot_type_a_scenario_challenge_project(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        f"{API}/enterprises/1/projects",
        json={
            "name": "自报揭榜项目",
            "kind": "scenario_challenge",
            "fields": {"total_investment_fen": 100 * WAN, "assessment_passed": True},
        },
        headers=as_user("enterprise1"),
    )
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["path"] == "kind" and "揭榜挂帅平台" in err["message"]
