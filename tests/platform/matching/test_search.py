"""Chinese search on SQLite (FTS5) and PostgreSQL (pg_trgm): the right supply is found, and of
equally relevant supplies the one in the demand's field and district ranks first."""

from __future__ import annotations

from typing import Any

from huiqi.platform.matching import search
from tests.platform.matching.helpers import API, public, published


def test_words_cut_chinese_and_drop_punctuation() -> None:
    words = search.words("基于工业互联网平台的设备预测性维护，5G专网")
    assert "互联网" in words and "预测性" in words and "5g" in words and "，" not in words
    assert "的" not in search.query_words("基于工业互联网平台的设备预测性维护")


def test_chinese_query_finds_the_right_supply(client: Any, as_user: Any) -> None:
    jx = as_user("city_jx")
    maint = published(
        client,
        as_user("enterprise1"),
        jx,
        "supply",
        "设备预测性维护系统",
        "基于工业互联网平台采集机床振动数据，提前预警设备故障，降低停机损失",
        field="工业互联网",
        district="东湖高新区",
    )
    gov = published(
        client,
        as_user("enterprise2"),
        jx,
        "supply",
        "电子证照共享中台",
        "面向数字政府的电子证照归集、共享与核验，支撑一网通办",
        field="数字政府",
        district="江岸区",
    )
    r = public(client).get(f"{API}/entries", params={"q": "机床故障预警"})
    assert [e["id"] for e in r.json()] == [maint["id"]]
    r = public(client).get(f"{API}/entries", params={"q": "电子证照核验", "kind": "supply"})
    assert [e["id"] for e in r.json()] == [gov["id"]]
    assert public(client).get(f"{API}/entries", params={"q": "区块链溯源"}).json() == []
    # the field filter applies to text search too
    r = public(client).get(f"{API}/entries", params={"q": "设备故障", "field": "数字政府"})
    assert r.json() == []


def test_matching_prefers_same_field_and_district(client: Any, as_user: Any) -> None:
    jx = as_user("city_jx")
    text = "城市道路视频数据智能分析，识别交通拥堵与事故，辅助交通调度"
    far = published(
        client,
        as_user("enterprise1"),
        jx,
        "supply",
        "交通视频智能分析",
        text,
        field="人工智能",
        district="东湖高新区",
    )
    near = published(
        client,
        as_user("enterprise2"),
        jx,
        "supply",
        "交通视频智能分析平台",
        text,
        field="智慧城市",
        district="江岸区",
    )
    other = published(
        client,
        as_user("enterprise1"),
        jx,
        "supply",
        "智慧园区能耗管理",
        "园区水电气能耗监测与节能优化",
        field="智慧城市",
        district="洪山区",
    )
    demand = published(
        client,
        as_user("district_ja"),
        as_user("district_ja"),
        "demand",
        "江岸区交通拥堵治理",
        "需要利用道路视频数据智能识别交通拥堵和事故",
        field="智慧城市",
        district="江岸区",
    )
    r = client.get(f"{API}/entries/{demand['id']}/matches", headers=as_user("district_ja"))
    assert r.status_code == 200, r.text
    ranked = [m["entry"]["id"] for m in r.json()]
    # same words, but `near` shares the field and the district; `other` only the field
    assert ranked == [near["id"], far["id"], other["id"]]
    first = r.json()[0]
    assert first["same_field"] and first["same_district"] and first["text_score"] > 0
    assert r.json()[2]["text_score"] == 0  # proposed for its field alone
    # the supply's owner sees the demand among its own matches
    r = client.get(f"{API}/entries/{near['id']}/matches", headers=as_user("enterprise2"))
    assert [m["entry"]["id"] for m in r.json()] == [demand["id"]]
    # someone else's matches are not for a third party
    r = client.get(f"{API}/entries/{near['id']}/matches", headers=as_user("enterprise1"))
    assert r.status_code == 403
