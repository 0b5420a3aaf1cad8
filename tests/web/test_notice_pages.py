"""The public 公示 page without login: the period with its holiday note, the real-name objection
form (errors beside the fields), its JSON twin; officers see the objection with its evidence."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
ID_NUMBER = "11010519491231002X"
PDF = b"%PDF-1.4\n%%EOF\n"


def listed_application(client_for: Any) -> tuple[int, int]:
    """enterprise1's 2.6.1 claim decided and listed in a batch starting today."""
    firm: TestClient = client_for("enterprise1")
    r = firm.post(
        f"{API}/applications",
        json={"enterprise_id": 1, "measure_id": "2.6.1", "fiscal_year": 2023},
    )
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    district: TestClient = client_for("district_dh")
    assert district.post(f"{API}/reviews/{app_id}/district", json={"outcome": "pass"}).is_success
    city: TestClient = client_for("city_kj")
    assert city.post(f"{API}/reviews/{app_id}/city", json={"outcome": "pass"}).is_success
    assert city.post(f"{API}/reviews/{app_id}/decision", json={"approve": True}).is_success
    r = city.post(f"{API}/notices", json={"title": "第三批拟支持名单", "application_ids": [app_id]})
    assert r.status_code == 201, r.text
    return r.json()["id"], app_id


def test_anonymous_visitor_sees_the_notice_and_files_an_objection(client_for: Any) -> None:
    batch_id, app_id = listed_application(client_for)
    anon: TestClient = client_for()
    page = anon.get(f"/notices/{batch_id}")
    assert page.status_code == 200
    assert "个工作日，已扣除法定节假日）" in page.text
    assert 'enctype="multipart/form-data"' in page.text and "居民身份证号码" in page.text
    twin = anon.get(f"/notices/{batch_id}?format=json").json()
    assert twin["batch"]["period_zh"].endswith("个工作日，已扣除法定节假日）")
    assert twin["public_objection"]["max_files"] == 3
    assert anon.get("/notices?format=json").json()["batches"][0]["id"] == batch_id

    form = {
        "application_id": str(app_id),
        "real_name": "王小明",
        "id_number": "110105194912310021",
        "phone": "13812345678",
        "reason": "该企业研发费用中包含了非研发人员工资。",
    }
    url = f"/notices/{batch_id}/public-objections"
    r = anon.post(url, data=form, files={"evidence": ("a.pdf", PDF, "application/pdf")})
    assert r.status_code == 422
    assert 'id="e-id_number"' in r.text and "校验位错误" in r.text
    assert 'value="王小明"' in r.text  # what was typed is kept
    bad = anon.post(
        f"{url}?format=json", data={**form, "id_number": ID_NUMBER, "phone": "12"}
    ).json()
    assert [e["path"] for e in bad["errors"]] == ["phone"]

    r = anon.post(
        url,
        data={**form, "id_number": ID_NUMBER},
        files={"evidence": ("审计报告.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 200 and "异议已受理" in r.text  # after the redirect
    twin = anon.get(f"/notices/{batch_id}?format=json")
    assert twin.json()["items"][0]["state"] == "objected"
    assert ID_NUMBER not in twin.text and "13812345678" not in twin.text

    city: TestClient = client_for("city_kj")
    review = city.get(f"/officer/applications/{app_id}?format=json").json()
    (o,) = review["objections"]
    assert o["id_number"] == "1101**********002X" and o["phone"] == "138****5678"
    html = city.get(f"/officer/applications/{app_id}").text
    assert "公示异议（1 件）" in html and "审计报告.pdf" in html
    assert city.get(o["files"][0]["url"]).content == PDF
    # another district's officer cannot open the application, nor the evidence
    other: TestClient = client_for("district_ja")
    assert other.get(o["files"][0]["url"]).status_code == 404


def test_logged_in_users_keep_their_form_and_see_the_export(client_for: Any) -> None:
    batch_id, _ = listed_application(client_for)
    ent: TestClient = client_for("enterprise2")
    html = ent.get(f"/notices/{batch_id}").text
    assert "联系电话或邮箱" in html and "导出 Excel" in html
    assert "导出 Excel" not in client_for().get(f"/notices/{batch_id}").text


def test_an_empty_form_shows_every_error_beside_its_field(client_for: Any) -> None:
    batch_id, _ = listed_application(client_for)
    anon: TestClient = client_for()
    r = anon.post(f"/notices/{batch_id}/public-objections?format=json", data={})
    assert r.status_code == 422
    paths = {e["path"] for e in r.json()["errors"]}
    assert paths == {"application_id", "real_name", "id_number", "phone", "reason"}
    html = anon.post(f"/notices/{batch_id}/public-objections", data={}).text
    for name in paths:
        assert f'id="e-{name}"' in html


def test_the_objection_names_the_application_by_number_checked_against_the_batch(
    client_for: Any,
) -> None:
    """The list is paged, so the form does not offer the page's items: it asks for the
    application's number (shown in the list) and the server checks it is in this batch."""
    batch_id, app_id = listed_application(client_for)
    ent: TestClient = client_for("enterprise2")
    html = ent.get(f"/notices/{batch_id}?limit=1").text
    assert '<select id="f-application_id"' not in html
    assert 'id="f-application_id" name="application_id" type="text"' in html
    assert "名单共 1 项" in html and f">{app_id}</td>" in html
    form = {"real_name": "张三", "contact": "13800000000", "reason": "金额与事实不符。",
            "evidence": "见年报"}  # fmt: skip
    r = ent.post(f"/notices/{batch_id}/objections", data={**form, "application_id": "999999"})
    assert r.status_code == 422
    assert 'id="e-application_id"' in r.text and "该申报不在本批公示名单中" in r.text
    assert 'value="999999"' in r.text  # what was typed is kept
    r = ent.post(f"/notices/{batch_id}/objections", data={**form, "application_id": "abc"})
    assert r.status_code == 422 and "请填写被异议申报的编号" in r.text
    r = ent.post(f"/notices/{batch_id}/objections", data={**form, "application_id": str(app_id)})
    assert r.status_code == 200 and "异议已提交" in r.text
