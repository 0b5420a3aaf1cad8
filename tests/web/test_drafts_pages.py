"""Stored draft applications through the pages, and page reads not taking SQLite's write lock.

Drafts here are enterprise1's 2.6.2 (computed) and 2.6.3 claims for 2023, which no demo
application uses.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI

CALC = {
    "as_of": "2024-06-30",
    "district": "洪山区",  # 我市: the policy supports Wuhan firms
    "fiscal_year": "2023",
    "software": "on",
    "revenue": "2000万",
    "rd_expense": "400万",
    "revenue_prev": "1000万",
}


def test_calculator_offers_draft_button_to_firms_only(client_for: Any) -> None:
    html = client_for("enterprise1").post("/calculator", data=CALC).text
    assert 'action="/enterprise/drafts"' in html and "保存为申报草稿" in html
    assert 'action="/enterprise/drafts"' not in client_for().post("/calculator", data=CALC).text


def test_save_submit_delete_draft_through_pages(client_for: Any) -> None:
    ent = client_for("enterprise1")
    form = {"measure": "2.6.2", "fiscal_year": "2023"}
    r = ent.post("/enterprise/drafts", data=form, follow_redirects=False)
    assert r.status_code == 303 and "/enterprise/applications?msg=" in r.headers["location"]
    again = ent.post("/enterprise/drafts?format=json", data={**form, "statement": "补充说明"})
    assert again.status_code == 200  # the same draft, updated
    draft = again.json()["application"]
    assert draft["status"] == "draft" and draft["statement"] == "补充说明"

    listing = ent.get("/enterprise/applications?format=json").json()
    row = next(a for a in listing["applications"] if a["id"] == draft["id"])
    assert row["status"] == "draft" and row["idempotency_key"] and listing["drafts"] == 1
    html = ent.get("/enterprise/applications").text
    assert (
        "草稿（未提交）" in html
        and f'action="/enterprise/applications/{draft["id"]}/submit"' in html
    )
    # officers never see it
    city = client_for("city_kj")
    assert city.get(f"/officer/applications/{draft['id']}").status_code == 404
    queue = city.get("/officer/queue?format=json").json()
    assert draft["id"] not in {a["id"] for sec in ("todo", "done") for a in queue.get(sec, [])}

    key = {"idempotency_key": row["idempotency_key"]}
    r = ent.post(f"/enterprise/applications/{draft['id']}/submit", data=key, follow_redirects=False)
    assert r.status_code == 303
    assert unquote(r.headers["location"]).startswith(
        f"/enterprise/applications/{draft['id']}?msg=申报已提交"
    )
    twice = ent.post(
        f"/enterprise/applications/{draft['id']}/submit", data=key, follow_redirects=False
    )
    assert twice.headers["location"] == r.headers["location"]  # double click: one submission
    detail = ent.get(f"/enterprise/applications/{draft['id']}?format=json").json()
    assert detail["application"]["status"] == "submitted"
    assert detail["timeline"][0]["title"] == "提交申报"

    # a submitted application cannot be deleted: the error sits beside its row
    r = ent.post(f"/enterprise/applications/{draft['id']}/delete")
    assert r.status_code == 422
    assert re.search(rf'id="e-app-{draft["id"]}" class="err" role="alert">[^<]*不是草稿', r.text)

    other = ent.post(
        "/enterprise/drafts?format=json", data={"measure": "2.6.3", "fiscal_year": "2023"}
    )
    assert other.status_code == 201
    oid = other.json()["application"]["id"]
    assert (
        client_for("enterprise2").post(f"/enterprise/applications/{oid}/delete").status_code == 422
    )
    r = ent.post(f"/enterprise/applications/{oid}/delete", follow_redirects=False)
    assert r.status_code == 303
    assert oid not in {
        a["id"] for a in ent.get("/enterprise/applications?format=json").json()["applications"]
    }


def test_draft_errors_beside_fields(client_for: Any) -> None:
    ent = client_for("enterprise1")
    # 3.1.1 is claimed per project and the software firm has none: said beside the project field
    r = ent.post("/enterprise/drafts?format=json", data={"measure": "3.1.1", "fiscal_year": "2023"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "project_id"
    r = ent.post(
        "/enterprise/drafts",
        data={"measure": "1.3.1", "fiscal_year": "2022", "requested_amount": "很多"},
    )
    assert (
        r.status_code == 422 and 'id="e-requested_amount"' in r.text and "无法识别的金额" in r.text
    )


def test_page_reads_do_not_take_sqlite_write_lock(
    app: FastAPI, client_for: Any, tmp_path: Path
) -> None:
    """A page view answers while another connection holds SQLite's write lock.

    Before the pages used the platform's read/write marking, every session they opened began
    with BEGIN IMMEDIATE and so waited out the 30 s busy timeout behind any writer.
    """
    ent = client_for("enterprise1")
    writer = sqlite3.connect(tmp_path / "web.db", timeout=1, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # hold the write lock, as a long write request would
    writer.execute("UPDATE users SET display_name = display_name WHERE id = 1")
    results: dict[str, Any] = {}

    def read() -> None:
        t0 = time.monotonic()
        for url in ("/enterprise", "/enterprise/applications", "/calculator?prefill=profile", "/"):
            results[url] = ent.get(url).status_code
        results["seconds"] = time.monotonic() - t0

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(timeout=5)
    try:
        assert not t.is_alive(), "page reads blocked behind the SQLite write lock"
        assert set(v for k, v in results.items() if k != "seconds") == {200}, results
        assert results["seconds"] < 3, results
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    t.join(timeout=60)
    # and writes still work once the lock is free
    r = ent.post("/enterprise/drafts?format=json", data={"measure": "2.6.2", "fiscal_year": "2023"})
    assert r.status_code == 201
