"""Expert pages, 送专家评审 and 退回补正 / 撤回 through the forms (TestClient, real SQLite)."""

from __future__ import annotations

import re
from typing import Any

API = "/api/v1"


def _to_expert_step(client_for: Any) -> int:
    ent = client_for("enterprise1")
    r = ent.post(
        f"{API}/applications",
        json={
            "enterprise_id": 1,
            "measure_id": "1.3.1",
            "fiscal_year": 2023,
            "requested_amount_fen": 150 * 10**6,
        },
    )
    assert r.status_code == 201, r.text
    app_id = int(r.json()["id"])
    r = client_for("district_dh").post(
        f"/officer/applications/{app_id}", data={"action": "district", "outcome": "pass"}
    )
    assert r.status_code == 200 and "区级初审已完成" in r.text
    r = client_for("city_jx").post(
        f"/officer/applications/{app_id}", data={"action": "city", "outcome": "pass"}
    )
    assert "市级复核已完成" in r.text and "待专家/第三方评审" in r.text
    return app_id


def test_expert_pages_and_opinion(client_for: Any) -> None:
    app_id = _to_expert_step(client_for)
    city = client_for("city_jx")
    page = city.get(f"/officer/applications/{app_id}?format=json").json()
    assert "assign" in page["actions"] and "return" in page["actions"]
    pool = {e["display_name"]: e["id"] for e in page["experts"]}
    r = city.post(f"/officer/applications/{app_id}", data={"action": "assign"})
    assert r.status_code == 422
    assert re.search(r'id="e-expert_ids" class="err" role="alert">请至少选择', r.text)
    r = city.post(
        f"/officer/applications/{app_id}",
        data={"action": "assign", "expert_ids": [str(i) for i in pool.values()]},
    )
    assert r.status_code == 200 and "已送专家评审" in r.text
    assert (
        len(city.get(f"/officer/applications/{app_id}?format=json").json()["expert_opinions"]) == 2
    )

    e1 = client_for("expert1")
    home = e1.get("/", follow_redirects=False)
    assert 'href="/expert/queue"' in home.text
    queue = e1.get("/expert/queue?format=json").json()
    assert [r["application_id"] for r in queue["todo"]] == [app_id]
    assert f'href="/expert/applications/{app_id}"' in e1.get("/expert/queue").text
    view = e1.get(f"/expert/applications/{app_id}?format=json").json()
    assert view["cap_fen"] == 200 * 10**6 and view["can_submit"] is True
    # the expert reaches no officer, firm or other page
    for url in ("/officer/queue", f"/officer/applications/{app_id}", "/enterprise", "/analyst"):
        assert e1.get(url).status_code == 403, url
    assert client_for("expert2").get(f"/expert/applications/{app_id}").status_code == 200
    assert client_for("enterprise1").get("/expert/queue").status_code == 403

    form = {"opinion": "amend", "score": "88", "recommended_amount": "120万元", "comment": "良"}
    r = e1.post(f"/expert/applications/{app_id}", data=form)
    assert r.status_code == 422
    assert re.search(
        r'id="e-conflict_declared" class="err" role="alert">提交意见前须勾选回避声明', r.text
    )
    r = e1.post(
        f"/expert/applications/{app_id}",
        data={**form, "conflict_declared": "1", "recommended_amount": "300万"},
    )
    assert r.status_code == 422
    assert re.search(r'id="e-recommended_amount" class="err" role="alert">建议金额不能超过', r.text)
    r = e1.post(
        f"/expert/applications/{app_id}", data={**form, "conflict_declared": "1", "score": "百"}
    )
    assert re.search(r'id="e-score" class="err" role="alert">请填写 0–100', r.text)
    r = e1.post(f"/expert/applications/{app_id}", data={**form, "conflict_declared": "1"})
    assert r.status_code == 200 and "评审意见已提交" in r.text
    r = client_for("expert2").post(
        f"/expert/applications/{app_id}",
        data={"action": "recuse", "recuse_reason": "曾任该企业顾问"},
    )
    assert "已申请回避" in r.text

    page = city.get(f"/officer/applications/{app_id}").text
    opinions = re.search(r'id="expert-opinions".*?</section>', page, re.S)[0]
    assert "修改金额建议" in opinions and "¥1,200,000.00" in opinions and "已回避" in opinions
    r = city.post(f"/officer/applications/{app_id}", data={"action": "expert", "outcome": "pass"})
    assert "专家评审已结束" in r.text
    r = city.post(
        f"/officer/applications/{app_id}",
        data={"action": "decide", "approve": "yes", "amount": "120万", "reason": "按专家建议"},
    )
    assert "已作出决定" in r.text


def test_return_amend_and_withdraw_forms(client_for: Any) -> None:
    ent = client_for("enterprise1")
    r = ent.post(
        f"{API}/applications", json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023}
    )
    app_id = r.json()["id"]
    dh = client_for("district_dh")
    r = dh.post(f"/officer/applications/{app_id}", data={"action": "return", "return_reason": ""})
    assert r.status_code == 422
    assert re.search(r'id="e-return_reason" class="err" role="alert">请写明', r.text)
    r = dh.post(
        f"/officer/applications/{app_id}",
        data={"action": "return", "return_reason": "请补充研发费用明细账"},
    )
    assert "已退回企业补正" in r.text

    page = ent.get(f"/enterprise/applications/{app_id}?format=json").json()
    assert page["can_amend"] and page["return_reason"] == "请补充研发费用明细账"
    assert "请补充研发费用明细账" in ent.get(f"/enterprise/applications/{app_id}").text
    ent.put(
        f"{API}/enterprises/1/figures/2023",
        json={"revenue_fen": 2000 * 10**6, "rd_expense_fen": 350 * 10**6},
    )
    r = ent.post(f"/enterprise/applications/{app_id}/amend", data={"statement": "已补充明细账"})
    assert r.status_code == 200 and "第 2 版快照" in r.text, r.text[-500:]
    page = ent.get(f"/enterprise/applications/{app_id}?format=json").json()
    assert [v["version"] for v in page["versions"]] == [1, 2]
    assert page["versions"][0]["engine_amount_fen"] == 40 * 10**6
    assert page["versions"][1]["engine_amount_fen"] == 35 * 10**6
    titles = [e["title"] for e in page["timeline"]]
    assert "退回补正：请企业补正" in titles and "补正后重新提交：新版本快照" in titles
    html = ent.get(f"/enterprise/applications/{app_id}").text
    assert "查看第 1 版快照 JSON" in html
    officer = dh.get(f"/officer/applications/{app_id}?format=json").json()
    assert [v["version"] for v in officer["versions"]] == [1, 2]

    r = ent.post(f"/enterprise/applications/{app_id}/withdraw", data={"withdraw_reason": ""})
    assert r.status_code == 422
    assert re.search(r'id="e-withdraw_reason" class="err" role="alert">撤回申报须说明理由', r.text)
    r = ent.post(
        f"/enterprise/applications/{app_id}/withdraw", data={"withdraw_reason": "改报下一年度"}
    )
    assert r.status_code == 200 and "申报已撤回" in r.text and "企业已撤回" in r.text
    page = ent.get(f"/enterprise/applications/{app_id}?format=json").json()
    assert not page["can_withdraw"] and not page["can_amend"]
    assert not [e for e in page["timeline"] if not e["done"]]  # withdrawn: nothing ahead
    # another firm's user gets no page and cannot withdraw
    other = client_for("enterprise2")
    assert (
        other.post(
            f"/enterprise/applications/{app_id}/withdraw", data={"withdraw_reason": "x"}
        ).status_code
        == 404
    )
