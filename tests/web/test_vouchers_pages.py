"""The voucher pages answer in zh-CN with their JSON twins, and only to those who may see them."""

from __future__ import annotations

import re
from typing import Any


def test_public_page_and_twin(client_for: Any) -> None:
    c = client_for()
    html = c.get("/vouchers").text
    assert "资源池名单" in html and "尚未发布或尚未生效" in html
    j = c.get("/vouchers?format=json").json()
    assert j["providers"] == [] and j["catalogue"] is None
    assert "应用服务目录和奖补标准" in j["words"]


def test_desks_are_scoped(client_for: Any) -> None:
    jx = client_for("city_jx")
    j = jx.get("/vouchers/city?format=json").json()
    assert j["providers"] == [] and j["method"]["rating_points"] == 40
    nav = re.search(r'<nav aria-label="主导航">(.*?)</nav>', jx.get("/").text, re.S)
    assert nav is not None and "/vouchers/city" in nav[1]
    # 市科技局 is not responsible for 三（二）: no link, and the desk is refused
    kj = client_for("city_kj")
    nav = re.search(r'<nav aria-label="主导航">(.*?)</nav>', kj.get("/").text, re.S)
    assert nav is not None and "/vouchers/city" not in nav[1]
    assert kj.get("/vouchers/city").status_code == 403
    firm = client_for("enterprise1")
    assert firm.get("/vouchers/firm?format=json").json()["vouchers"] == []
    assert firm.get("/vouchers/city").status_code == 403
    assert firm.get("/vouchers/provider").status_code == 403


def test_firm_errors_are_chinese_and_name_the_field(client_for: Any) -> None:
    firm = client_for("enterprise1")
    r = firm.post("/vouchers/firm/take", data={"product_id": "x"}, follow_redirects=True)
    assert "产品：请从目录中选择产品" in r.text
    r = firm.post("/vouchers/firm/take", data={"product_id": "1"}, follow_redirects=True)
    assert "产品：" in r.text and "尚未发布" in r.text
