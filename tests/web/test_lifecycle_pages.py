"""Pages people can read, through the forms (TestClient, real SQLite): the timeline keeps every
submission in order, times in Beijing time, the expert reads a Chinese table that tells the
formula amount from the cap, the 公示 form ticks nothing and only its publisher may close it,
and every page says when it runs on the demo clock."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

API = "/api/v1"
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _beijing(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _submit(ent: Any, measure: str, **extra: object) -> int:
    body = {"enterprise_id": 1, "measure_id": measure, "fiscal_year": 2023, **extra}
    r = ent.post(f"{API}/applications", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_timeline_keeps_the_first_submission_before_the_correction(client_for: Any) -> None:
    ent, dist = client_for("enterprise1"), client_for("district_dh")
    app_id = _submit(ent, "2.6.1")
    first = ent.get(f"{API}/applications/{app_id}").json()
    r = dist.post(f"/officer/applications/{app_id}",
                  data={"action": "return", "return_reason": "请补充审计报告"})  # fmt: skip
    assert "已退回企业补正" in r.text
    r = ent.post(f"/enterprise/applications/{app_id}/amend", data={"statement": "已补充"})
    assert r.status_code == 200, r.text
    page = ent.get(f"/enterprise/applications/{app_id}?format=json").json()
    titles = [ev["title"] for ev in page["timeline"] if ev["done"]]
    assert titles[:3] == ["提交申报", "退回补正：请企业补正", "补正后重新提交：新版本快照"]
    assert page["timeline"][0]["when"].startswith(first["submitted_at"][:19])
    html = ent.get(f"/enterprise/applications/{app_id}").text
    # both versions listed with their submission times in Beijing time, not raw UTC
    versions = re.search(r'id="versions".*?</section>', html, re.S)[0]
    assert f"提交于 <time>{_beijing(first['submitted_at'])}</time>" in versions
    assert "T" not in re.sub(r"<[^>]+>", "", versions).split("快照版本")[1].split("查看")[0]


def test_expert_material_is_a_chinese_table_with_formula_and_cap(client_for: Any) -> None:
    ent, city = client_for("enterprise1"), client_for("city_kj")
    app_id = _submit(ent, "2.6.1")  # computed: formula ¥400,000, cap ¥1,000,000
    client_for("district_dh").post(f"/officer/applications/{app_id}",
                                   data={"action": "district", "outcome": "pass"})  # fmt: skip
    city.post(f"/officer/applications/{app_id}",
              data={"action": "city", "outcome": "pass", "needs_expert": "1"})  # fmt: skip
    experts = city.get(f"{API}/reviews/experts").json()
    e1 = next(e["id"] for e in experts if e["username"] == "expert1")
    r = city.post(f"{API}/reviews/{app_id}/experts", json={"expert_ids": [e1]})
    assert r.status_code == 201, r.text
    expert = client_for("expert1")
    view = expert.get(f"/expert/applications/{app_id}?format=json").json()
    assert view["cap_fen"] == 100_000_000 and view["formula_amount_fen"] == 40_000_000
    html = expert.get(f"/expert/applications/{app_id}").text
    table = re.search(r'<table id="material">.*?</table>', html, re.S)[0]
    assert "武汉光谷示例软件有限公司" in table and "2023 年研发投入" in table
    assert "¥4,000,000.00" in table and "\\u" not in html and "快照 JSON" not in html
    assert 'id="cap">¥1,000,000.00' in html and 'id="formula">¥400,000.00' in html
    officer = city.get(f"/officer/applications/{app_id}").text
    assert re.search(r"政策公式金额 <span id=\"engine-amount\">¥400,000.00</span>", officer)
    assert re.search(r"措施上限 <span id=\"cap-amount\">¥1,000,000.00</span>", officer)


def test_notice_form_ticks_nothing_and_only_the_publisher_closes(client_for: Any) -> None:
    ent, kj, jx = client_for("enterprise1"), client_for("city_kj"), client_for("city_jx")
    app_id = _submit(ent, "2.6.1")  # 2.6.1 answers to both 市科技局 and 市经信局
    client_for("district_dh").post(f"/officer/applications/{app_id}",
                                   data={"action": "district", "outcome": "pass"})  # fmt: skip
    kj.post(f"/officer/applications/{app_id}", data={"action": "city", "outcome": "pass"})
    r = kj.post(f"/officer/applications/{app_id}", data={"action": "decide", "approve": "yes"})
    assert "已作出决定" in r.text
    form = kj.get("/officer/notices").text
    box = re.search(rf'<input type="checkbox" name="application_ids" value="{app_id}"[^>]*>', form)
    assert box and "checked" not in box[0]
    r = kj.post("/officer/notices", data={"title": "拟支持名单"})
    assert r.status_code == 422 and "请至少勾选" in r.text
    r = kj.post("/officer/notices", data={"title": "拟支持名单", "application_ids": [str(app_id)]},
                follow_redirects=False)  # fmt: skip
    batch = r.headers["location"].split("/")[2].split("?")[0]
    assert "结束公示" in kj.get(f"/notices/{batch}").text
    assert "结束公示" not in jx.get(f"/notices/{batch}").text
    assert jx.get(f"/notices/{batch}?format=json").json()["can_close"] is False


def test_every_page_says_demo_environment(client_for: Any) -> None:
    for c, url in ((client_for(), "/policy"), (client_for("enterprise1"), "/enterprise"),
                   (client_for("city_kj"), "/officer/rounds")):  # fmt: skip
        assert "演示环境：业务日期固定为 2024-06-17" in c.get(url).text
