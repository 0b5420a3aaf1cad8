"""供需对接 pages without a browser: JSON twins, errors beside the fields, who sees what, the
supervisor board's link to the platform."""

from __future__ import annotations

from typing import Any

FORM = {
    "kind": "supply",
    "category": "solution",
    "title": "园区能耗监测方案",
    "description": "园区水电气能耗实时监测与节能优化解决方案",
    "field": "物联网",
    "district": "洪山区",
    "submit": "submit",
}


def test_public_pages_and_json_twins(client_for: Any) -> None:
    public = client_for()
    for url in ("/matching", "/matching/lists", "/matching/events"):
        assert public.get(url).status_code == 200, url
        twin = public.get(url, params={"format": "json"})
        assert twin.status_code == 200 and twin.json()["page"], url
    hall = public.get("/matching", params={"format": "json"}).json()
    assert "工业互联网" in hall["fields"] and "江岸区" in hall["districts"]
    # forms and the queue need a login
    assert public.get("/matching/new", follow_redirects=False).status_code == 303
    assert public.get("/matching/mine", follow_redirects=False).status_code == 303


def test_form_errors_beside_fields_and_nothing_saved(client_for: Any) -> None:
    firm = client_for("enterprise1")
    bad = FORM | {"field": "", "district": "", "budget_min_fen": "很多", "description": "短"}
    r = firm.post("/matching/new", data=bad)
    assert r.status_code == 422
    assert 'id="e-budget_min_fen"' in r.text and "无法识别的金额" in r.text
    assert "内容说明至少 10 字" in r.text and "领域应为以下之一" in r.text
    assert firm.get("/matching/mine", params={"format": "json"}).json()["entries"] == []
    r = firm.post("/matching/new", data=FORM | {"budget_min_fen": "50万"}, follow_redirects=True)
    assert r.status_code == 200 and "待审核发布" in r.text
    mine = firm.get("/matching/mine", params={"format": "json"}).json()["entries"]
    assert [(e["title"], e["budget_min_fen"]) for e in mine] == [("园区能耗监测方案", 50 * 10**6)]


def test_unpublished_entry_and_queue_by_role(client_for: Any) -> None:
    firm = client_for("enterprise1")
    r = firm.post("/matching/new", data=FORM, follow_redirects=False)
    entry = r.headers["location"].split("?")[0]
    assert client_for().get(entry).status_code == 404
    assert client_for("enterprise2").get(entry).status_code == 404
    city = client_for("city_jx")
    assert "园区能耗监测方案" in city.get("/matching/queue").text
    assert client_for("city_kj").get("/matching/queue").status_code == 403
    # a district officer sees only its own district's queue (洪山区 has none in the demo)
    assert "园区能耗监测方案" not in client_for("district_ja").get("/matching/queue").text
    r = city.post(f"{entry}/act", data={"action": "publish"}, follow_redirects=True)
    assert "已发布" in r.text
    assert client_for().get(entry).status_code == 200


def test_supervisor_board_links_the_task_to_the_platform(client_for: Any) -> None:
    board = client_for("supervisor").get("/supervisor/tasks", params={"format": "json"}).json()
    rows = [t for u in board["units"] for t in u["tasks"] if t["task_id"] == "5.3.T1"]
    assert rows and all(t["programme"] == ["/matching", "供需对接平台"] for t in rows)
    assert (
        'href="/matching">在供需对接平台办理'
        in client_for("supervisor").get("/supervisor/tasks").text
    )
