"""揭榜挂帅 pages over HTTP: the public board and its JSON twin, the officer's publish form, the
firm's 揭榜 form with errors beside the fields, and the bid page each party acts on."""

from __future__ import annotations

from typing import Any

from tests.platform.challenges.support import MEMBER

TASK = {
    "tasks[0].title": "仓储物流的物联网应用场景",
    "tasks[0].field": "物联网",
    "tasks[0].problem": "库存盘点靠人工",
    "tasks[0].requirements": "部署 RFID 与定位，盘点准确率 99.9%",
    "tasks[0].issuer": "武汉示例物流有限公司",
    "tasks[0].budget": "300万",
    "tasks[0].deadline": "2024-07-31",
}


def publish(city: Any) -> int:
    r = city.post(
        "/challenges/manage",
        data={"year": "2024", "title": "2024年度第一批榜单", **TASK},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    board = city.get("/challenges?format=json").json()
    return int(board["batches"][0]["tasks"][0]["id"])


def test_publish_form_errors_and_the_public_board(client_for: Any) -> None:
    city = client_for("city_jx")
    r = city.get("/challenges/manage")
    assert r.status_code == 200 and "发布年度批次" in r.text
    r = city.post(
        "/challenges/manage",
        data={"year": "2024", "title": "批次", **TASK, "tasks[0].deadline": "2024-06-01"},
    )
    assert r.status_code == 422
    assert 'id="f-tasks[0].deadline"' in r.text and "早于今天" in r.text
    r = city.post(
        "/challenges/manage",
        data={"year": "2024", "title": "批次", **TASK, "tasks[0].budget": "很多"},
    )
    assert r.status_code == 422 and "无法识别的金额" in r.text
    task_id = publish(city)
    anonymous = client_for()
    r = anonymous.get("/challenges")
    assert r.status_code == 200 and "仓储物流的物联网应用场景" in r.text and "300万元" in r.text
    twin = anonymous.get(f"/challenges/tasks/{task_id}", headers={"Accept": "application/json"})
    assert twin.json()["budget_fen"] == 300 * 10_000 * 100 and twin.json()["open"] is True
    assert twin.json()["can_bid"] is False
    # another bureau's officer cannot manage the board
    assert client_for("city_kj").get("/challenges/manage").status_code == 403


def test_bid_form_and_bid_page(client_for: Any) -> None:
    task_id = publish(client_for("city_jx"))
    firm = client_for("enterprise1")
    form = {
        "plan": "RFID 全覆盖",
        "budget": "280万",
        "milestones[0].title": "一号仓上线",
        "milestones[0].due": "2024-08-31",
        "members[0].name": MEMBER["name"],
        "members[0].credit_code": MEMBER["credit_code"][:17] + "0",
    }
    r = firm.post(f"/challenges/tasks/{task_id}", data=form)
    assert r.status_code == 422 and "GB 32100" in r.text
    assert 'aria-invalid="true"' in r.text
    r = firm.post(
        f"/challenges/tasks/{task_id}",
        data={**form, "members[0].credit_code": MEMBER["credit_code"]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    bid_url = r.headers["location"].split("?")[0]
    page = firm.get(bid_url)
    assert page.status_code == 200 and MEMBER["name"] in page.text and "已揭榜" in page.text
    twin = firm.get(bid_url + "?format=json").json()
    assert twin["bid"]["budget_fen"] == 280 * 10_000 * 100 and twin["actions"] == {
        "withdraw": "撤回揭榜"
    }
    # the officer sees the experts to invite; the other firm sees nothing
    city = client_for("city_jx")
    assert "邀请专家评分" in city.get(bid_url).text
    assert client_for("enterprise2").get(bid_url).status_code == 404
    r = city.post(bid_url + "/experts", data={})
    assert r.status_code == 422 and "请至少选择一位专家" in r.text
    # the JSON twins of the lists
    mine = firm.get("/challenges/mine?format=json").json()
    assert [b["status"] for b in mine["bids"]] == ["bid"]
    manage = city.get("/challenges/manage", headers={"Accept": "application/json"}).json()
    assert [b["parties"][1]["name"] for b in manage["bids"]] == [MEMBER["name"]]
    # the firm withdraws before the deadline, with a reason
    r = firm.post(bid_url + "/withdraw", data={"reason": ""})
    assert r.status_code == 422 and "请写明理由" in r.text
    r = firm.post(bid_url + "/withdraw", data={"reason": "联合体成员退出"}, follow_redirects=False)
    assert r.status_code == 303
    assert firm.get(bid_url + "?format=json").json()["bid"]["status"] == "withdrawn"
