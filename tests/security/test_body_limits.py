"""Body limits hold while the body streams in: an oversized login, calculator case or upload is
refused at the first chunk past the limit (or before any byte when Content-Length says so),
and an import counts rows while reading (the 3-million-row xlsx of 190 KB)."""

from __future__ import annotations

import tracemalloc

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.errors import ApiError
from huiqi.platform.tabular import iter_records
from tests.helpers.api import API, AsUser
from tests.helpers.streaming import run, stream_to
from tests.helpers.xlsx_bomb import many_rows_xlsx

CHUNK = b"x" * 65536
MiB = 1 << 20


@pytest.mark.parametrize("path", [f"{API}/auth/login", "/login", f"{API}/evaluate"])
def test_huge_json_or_form_body_is_cut_off_while_streaming(app: FastAPI, path: str) -> None:
    ctype = "application/x-www-form-urlencoded" if path == "/login" else "application/json"
    out = run(
        stream_to(app, "POST", path, headers={"content-type": ctype}, total=200 * MiB, chunk=CHUNK)
    )
    assert out.status == 413
    assert out.bytes_pulled <= app.state.settings.max_body_bytes + len(CHUNK)


def test_declared_length_over_the_limit_is_refused_unread(app: FastAPI) -> None:
    headers = {"content-type": "application/json", "content-length": str(200 * MiB)}
    out = run(
        stream_to(app, "POST", f"{API}/auth/login", headers=headers, total=200 * MiB, chunk=CHUNK)
    )
    assert out.status == 413 and out.bytes_pulled == 0


def test_anonymous_gigabyte_upload_is_refused_before_it_is_read(app: FastAPI) -> None:
    path = f"{API}/notices/1/public-objections"
    ctype = "multipart/form-data; boundary=xyz"
    declared = {"content-type": ctype, "content-length": str(1 << 30)}
    out = run(stream_to(app, "POST", path, headers=declared, total=1 << 30, chunk=CHUNK))
    assert out.status == 413 and out.bytes_pulled == 0
    assert "MB" in out.body.decode()
    # without a Content-Length (chunked): cut off at the upload limit, not at 1 GB
    out = run(
        stream_to(app, "POST", path, headers={"content-type": ctype}, total=1 << 30, chunk=CHUNK)
    )
    assert out.status == 413
    assert out.bytes_pulled <= app.state.settings.upload_max_bytes + len(CHUNK)


def test_three_million_row_xlsx_import_is_refused(client: TestClient, as_user: AsUser) -> None:
    bomb = many_rows_xlsx(3_000_000)
    assert len(bomb) < 250_000
    r = client.post(
        f"{API}/enterprises/import",
        files={
            "file": (
                "registry.xlsx",
                bomb,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        headers=as_user("admin"),
    )
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert err["path"] == "file" and err["rule"] == "too_many_rows" and "100,000" in err["message"]


def test_row_limit_is_applied_while_reading_with_little_memory() -> None:
    """A million rows, no <dimension>: refused after reading just past the limit, in a few MB
    (the workbook used to be parsed whole when opened, then listed whole)."""
    bomb = many_rows_xlsx(1_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(ApiError) as caught:
            list(iter_records("r.xlsx", bomb, max_rows=5_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.errors[0]["rule"] == "too_many_rows"
    assert peak < 20 * MiB, peak
    # a declared size says it at once
    with pytest.raises(ApiError):
        list(
            iter_records(
                "r.xlsx", many_rows_xlsx(1_000_000, declare_dimension=True), max_rows=5_000
            )
        )


def test_csv_row_limit() -> None:
    text = "统一社会信用代码,企业名称\n" + "91420100MA4K5Q8U19,x\n" * 11
    with pytest.raises(ApiError) as caught:
        list(iter_records("r.csv", text.encode(), max_rows=10))
    assert caught.value.errors[0]["rule"] == "too_many_rows"
    assert len(list(iter_records("r.csv", text.encode(), max_rows=11))) == 11
