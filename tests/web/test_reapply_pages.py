"""A firm withdraws an application on its page, then applies again through the apply form."""

from __future__ import annotations

from typing import Any

API = "/api/v1"


def test_withdraw_then_reapply_through_the_form(client_for: Any) -> None:
    firm = client_for("enterprise1")
    form = firm.get("/enterprise/apply?measure=2.6.1&fiscal_year=2023&format=json").json()
    data = {
        "measure": "2.6.1",
        "fiscal_year": "2023",
        "statement": "2023 年度研发补助",
        "idempotency_key": form["idempotency_key"],
    }
    r = firm.post("/enterprise/apply", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    app_id = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    page = f"/enterprise/applications/{app_id}"
    assert 'id="reapply"' not in firm.get(page).text  # live: nothing to re-apply for

    r = firm.post(f"{page}/withdraw", data={"withdraw_reason": "数据待审计"})
    assert r.status_code == 200 and "已撤回" in r.text
    assert 'href="/enterprise/apply?measure=2.6.1&amp;fiscal_year=2023" id="reapply"' in r.text
    assert firm.get(f"{page}?format=json").json()["reapply_url"] == (
        "/enterprise/apply?measure=2.6.1&fiscal_year=2023"
    )

    # the apply form again, submitted twice with its key (a double click): one application
    form = firm.get("/enterprise/apply?measure=2.6.1&fiscal_year=2023&format=json").json()
    data = {**data, "statement": "审计后重新申报", "idempotency_key": form["idempotency_key"]}
    for _ in range(2):
        r = firm.post("/enterprise/apply", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text
        assert r.headers["location"].startswith(f"{page}?")
    view = firm.get(f"{page}?format=json").json()
    assert view["application"]["status"] == "submitted"
    assert [v["version"] for v in view["versions"]] == [1, 2]
    html = firm.get(page).text
    assert "撤回后重新申报" in html and "快照第 2 版" in html and 'id="reapply"' not in html
    # and a third attempt with a fresh form is refused beside the form, not a second application
    form = firm.get("/enterprise/apply?measure=2.6.1&fiscal_year=2023&format=json").json()
    r = firm.post("/enterprise/apply", data={**data, "idempotency_key": form["idempotency_key"]})
    assert r.status_code == 422 and "不能重复申报" in r.text
    # the district officer sees it in the queue again
    queue = client_for("district_dh").get("/officer/queue?format=json").json()
    assert app_id in [row["id"] for row in queue["queue"]]
