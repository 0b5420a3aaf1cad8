"""The pool: admission, editions that are never rewritten, the annual evaluation, who sees what
and Chinese errors for bad input."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from huiqi.rules.credit_code import make_credit_code
from tests.platform.vouchers.world import (
    API,
    YEAR,
    add_product,
    admitted_provider,
    make_provider_user,
    publish,
    world,
)

STD = [{"product_class": "上云基础", "ratio_bp": 3000, "cap_fen": 500_000}]


def _error(r: Any) -> dict[str, str]:
    return dict(r.json()["errors"][0])


def test_admission_needs_a_valid_code_and_a_reason_to_refuse(
    client: TestClient, as_user: Any
) -> None:
    prov = make_provider_user(client, as_user("admin"), "cloud9")
    bad = client.post(
        f"{API}/vouchers/providers",
        json={"credit_code": "91420100MA4K0P0019", "name": "x", "kind": "service"},
        headers=prov,
    )
    err = _error(bad)
    assert bad.status_code == 422 and err["path"] == "credit_code" and "校验位" in err["message"]
    code = make_credit_code("91420100MA4K0Q009")
    r = client.post(
        f"{API}/vouchers/providers",
        json={"credit_code": code, "name": "示例服务商", "kind": "service"},
        headers=prov,
    )
    assert r.status_code == 201 and r.json()["status"] == "applied"
    pid = r.json()["id"]
    city = as_user("city_jx")
    r = client.post(f"{API}/vouchers/providers/{pid}/reject", json={"reason": " "}, headers=city)
    assert r.status_code == 422 and _error(r)["path"] == "reason"
    # only 市经信局 (responsible for 三（二）) decides, not another bureau
    r = client.post(f"{API}/vouchers/providers/{pid}/admit", json={}, headers=as_user("city_kj"))
    assert r.status_code == 403
    r = client.post(
        f"{API}/vouchers/providers/{pid}/reject", json={"reason": "材料不全"}, headers=city
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    # a rejected provider may apply again; admitting twice is refused by the table
    r = client.post(
        f"{API}/vouchers/providers",
        json={"credit_code": code, "name": "示例服务商", "kind": "service"},
        headers=prov,
    )
    assert r.status_code == 201 and r.json()["status"] == "applied"
    assert (
        client.post(f"{API}/vouchers/providers/{pid}/admit", json={}, headers=city).json()["status"]
        == "admitted"
    )
    r = client.post(f"{API}/vouchers/providers/{pid}/admit", json={}, headers=city)
    assert r.status_code == 409 and "已入池" in _error(r)["message"]
    # the public page lists the pool
    pub = client.get(f"{API}/vouchers/public").json()
    assert [p["name"] for p in pub["providers"]] == ["示例服务商"]


def test_provider_sees_only_its_own(client: TestClient, as_user: Any) -> None:
    w = world(client, as_user)
    other, _ = admitted_provider(client, as_user, "cloud2", make_credit_code("91420100MA4K0P002"))
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=w["firm"])
    vid = r.json()["id"]
    assert client.get(f"{API}/vouchers/{vid}", headers=other).status_code == 404
    assert client.get(f"{API}/vouchers", headers=other).json() == []
    assert [p["id"] for p in client.get(f"{API}/vouchers/providers", headers=other).json()] != [
        w["provider_id"]
    ]
    assert client.get(f"{API}/vouchers/{vid}", headers=as_user("enterprise2")).status_code == 404
    assert client.get(f"{API}/vouchers/{vid}", headers=w["provider"]).status_code == 200


def test_a_published_edition_is_never_rewritten(
    client: TestClient, as_user: Any, set_today: Any
) -> None:
    w = world(client, as_user)
    firm, city = w["firm"], as_user("city_jx")
    first = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm).json()
    assert first["amount_fen"] == 300_000
    # version 2 raises the ratio to 40% from 1 July; the provider also raises its price
    v2 = publish(
        client, city, [w["basic"]], [{**STD[0], "ratio_bp": 4000}], effective_from=f"{YEAR}-07-01"
    )
    assert v2["version"] == 2
    # before 1 July version 1 is still in force
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm)
    assert r.json()["amount_fen"] == 300_000 and r.json()["catalogue_id"] == first["catalogue_id"]
    set_today(f"{YEAR}-07-01")
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm)
    assert r.status_code == 201 and r.json()["amount_fen"] == 400_000
    assert r.json()["catalogue_id"] == v2["id"]
    # the earlier voucher keeps the version it was issued under, and so does version 1
    again = client.get(f"{API}/vouchers/{first['id']}", headers=firm).json()
    assert again["ratio_bp"] == 3000 and again["amount_fen"] == 300_000
    v1 = client.get(f"{API}/vouchers/catalogues/{first['catalogue_id']}", headers=city).json()
    assert v1["version"] == 1 and v1["standards"][0]["ratio_bp"] == 3000
    assert len(v1["items"]) == 2
    # a backdated or out-of-order version is refused
    r = client.post(
        f"{API}/vouchers/catalogues",
        json={"year": YEAR, "effective_from": f"{YEAR}-06-30", "title": "x",
              "product_ids": [w["basic"]], "standards": STD},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 422 and _error(r)["path"] == "effective_from"
    assert "倒签" in _error(r)["message"]


def test_catalogue_bad_input_in_chinese(client: TestClient, as_user: Any) -> None:
    prov, _ = admitted_provider(client, as_user)
    pid = add_product(client, prov, "工业APP", "工业APP", 10_000)
    city = as_user("city_jx")
    r = client.post(
        f"{API}/vouchers/catalogues",
        json={"year": YEAR, "effective_from": "2024-06-17", "title": "x", "product_ids": [pid],
              "standards": STD},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 422 and _error(r)["path"] == "product_ids[0]"
    assert "没有奖补标准" in _error(r)["message"]
    r = client.post(
        f"{API}/vouchers/catalogues",
        json={"year": YEAR, "effective_from": "2024-06-17", "title": "x", "product_ids": [pid],
              "standards": [{"product_class": "工业APP", "ratio_bp": 10001, "cap_fen": 1}]},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 422
    err = _error(r)
    assert err["path"].endswith("ratio_bp") and any(
        "\u4e00" <= c <= "\u9fff" for c in err["message"]
    )
    r = client.post(
        f"{API}/vouchers/products",
        json={"name": "x", "product_class": "工业APP", "price_fen": 0},
        headers=prov,
    )
    assert r.status_code == 422 and _error(r)["path"].endswith("price_fen")
    # a firm cannot publish, a provider cannot take a voucher
    assert (
        client.post(
            f"{API}/vouchers/catalogues", json={}, headers=as_user("enterprise1")
        ).status_code
        == 403
    )
    assert client.post(f"{API}/vouchers", json={"product_id": pid}, headers=prov).status_code == 403


def test_not_small_micro_and_no_catalogue(client: TestClient, as_user: Any) -> None:
    firm = as_user("enterprise1")
    r = client.post(f"{API}/vouchers", json={"product_id": 1}, headers=firm)
    assert r.status_code == 409 and "尚未发布" in _error(r)["message"]
    w = world(client, as_user)
    # 150 employees and 2000万元: 中型 under the 软件和信息技术服务业 rule
    client.put(
        f"{API}/enterprises/1/figures/2023",
        json={"revenue_fen": 2000 * 10**6, "employees": 150},
        headers=firm,
    )
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm)
    assert r.status_code == 422 and _error(r)["path"] == "enterprise.size"
    assert "中型" in _error(r)["message"] and "300号" in _error(r)["message"]


def test_annual_evaluation(client: TestClient, as_user: Any) -> None:
    w = world(client, as_user)
    firm, prov, city = w["firm"], w["provider"], as_user("city_jx")
    vid = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=firm).json()["id"]
    client.post(f"{API}/vouchers/{vid}/delivered", headers=firm)
    client.post(f"{API}/vouchers/{vid}/rating", json={"rating": 5, "comment": "好"}, headers=firm)
    r = client.post(f"{API}/vouchers/{vid}/rating", json={"rating": 1}, headers=firm)
    assert r.status_code == 409  # a rating is given once
    body = {"provider_id": w["provider_id"], "year": YEAR, "officer_score": 90,
            "pool_action": "remove", "opinion": "服务好"}  # fmt: skip
    r = client.post(f"{API}/vouchers/evaluations", json=body, headers=city)
    # 40 (5/5) + 30 (1/1 delivered) + 27 (90/100) = 97: 优秀, so it cannot be removed
    assert r.status_code == 422 and "优秀（97分）" in _error(r)["message"]
    r = client.post(
        f"{API}/vouchers/evaluations", json={**body, "pool_action": "keep"}, headers=city
    )
    assert r.status_code == 201 and r.json()["grade"] == "excellent" and r.json()["score"] == 97
    r = client.post(
        f"{API}/vouchers/evaluations", json={**body, "pool_action": "keep"}, headers=city
    )
    assert r.status_code == 409  # never rewritten
    cands = client.get(f"{API}/vouchers/candidates", params={"year": YEAR}, headers=city).json()
    assert [c["provider_id"] for c in cands] == [w["provider_id"]]
    assert cands[0]["enterprise_id"] is None and "3.2.2" in cands[0]["note"]
    assert (
        client.get(f"{API}/vouchers/candidates", params={"year": YEAR}, headers=prov).status_code
        == 403
    )


def test_a_failing_provider_leaves_the_pool(client: TestClient, as_user: Any) -> None:
    w = world(client, as_user)
    city = as_user("city_jx")
    body = {"provider_id": w["provider_id"], "year": YEAR, "officer_score": 10,
            "pool_action": "keep", "opinion": "未提供服务"}  # fmt: skip
    r = client.post(f"{API}/vouchers/evaluations", json=body, headers=city)
    assert r.status_code == 422 and "不合格" in _error(r)["message"]
    r = client.post(
        f"{API}/vouchers/evaluations", json={**body, "pool_action": "suspend"}, headers=city
    )
    assert r.status_code == 201 and r.json()["grade"] == "fail"
    pv = client.get(f"{API}/vouchers/providers", headers=w["provider"]).json()[0]
    assert pv["status"] == "suspended" and "不合格" in pv["status_reason"]
    # its products can no longer be taken
    r = client.post(f"{API}/vouchers", json={"product_id": w["basic"]}, headers=w["firm"])
    assert r.status_code == 409 and "不在资源池内" in _error(r)["message"]


def test_excellent_provider_with_a_firm_record_is_a_3_2_2_candidate(
    client: TestClient, as_user: Any
) -> None:
    # the provider is enterprise1's firm itself (same credit code)
    code = make_credit_code("91420100MA4K0A001")
    prov, pid = admitted_provider(client, as_user, "cloudfirm", code)
    city = as_user("city_jx")
    body = {"provider_id": pid, "year": YEAR, "officer_score": 100, "pool_action": "keep",
            "opinion": "示范作用突出"}  # fmt: skip
    # no vouchers yet: 0 + 0 + 30 = 30, 不合格 — it must leave the pool, not be kept
    r = client.post(f"{API}/vouchers/evaluations", json=body, headers=city)
    assert r.status_code == 422 and "不合格（30分）" in _error(r)["message"]
    w_basic = add_product(client, prov, "云主机", "上云基础", 1_000_000)
    publish(client, city, [w_basic], STD)
    from tests.platform.vouchers.world import budget, small_firm

    budget(client, as_user)
    firm = small_firm(client, as_user)
    vid = client.post(f"{API}/vouchers", json={"product_id": w_basic}, headers=firm).json()["id"]
    client.post(f"{API}/vouchers/{vid}/delivered", headers=firm)
    client.post(f"{API}/vouchers/{vid}/rating", json={"rating": 4}, headers=firm)
    r = client.post(f"{API}/vouchers/evaluations", json=body, headers=city)
    # 32 (4/5 of 40) + 30 + 30 = 92: 优秀
    assert r.status_code == 201 and (r.json()["score"], r.json()["grade"]) == (92, "excellent")
    (cand,) = client.get(f"{API}/vouchers/candidates", params={"year": YEAR}, headers=city).json()
    assert cand["enterprise_id"] == 1 and cand["application_id"] is None
    # recorded on the firm's record, where 3.2.2's rules read it
    recs = client.get(f"{API}/enterprises/1", headers=as_user("admin")).json()["recognitions"]
    assert any(x["kind"] == "resource_pool_excellent" for x in recs)
    out = client.post(
        f"{API}/evaluate",
        json={"as_of": "2024-06-17", "fiscal_year": 2023,
              "enterprise": {"district": "东湖高新区"},
              "recognitions": [{"kind": "resource_pool_excellent", "date": "2024-06-17"}]},
    ).json()  # fmt: skip
    row = next(x for x in out["results"] if x["measure"] == "3.2.2")
    assert row["status"] == "discretionary"
