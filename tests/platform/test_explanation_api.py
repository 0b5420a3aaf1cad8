"""The public calculator API tells results as a firm owner reads them (POST evaluate / explain)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from huiqi.platform.calculator import Batcher
from huiqi.platform.policy import get_policy
from huiqi.rules.api import evaluate_case_json

API = "/api/v1"
NEAR_MISS = {  # 400万 revenue, 54万 R&D: both 2.6.1 conditions fail, and they share revenue
    "as_of": "2024-06-30",
    "fiscal_year": 2023,
    "enterprise": {"software_enterprise": True, "district": "东湖高新区"},
    "annual": {"2023": {"revenue": "400万", "rd_expense": "54万"}, "2022": {"revenue": "100万"}},
    "recognitions": [{"kind": "dcmm", "level": 3, "date": "2023-08-01"}],
}


def _rows(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["measure"]: r for r in result["results"]}


def test_evaluate_answers_with_headlines_questions_and_joint_gaps(client: TestClient) -> None:
    client.cookies.clear()
    r = client.post(f"{API}/evaluate", json=NEAR_MISS)
    assert r.status_code == 200
    res = r.json()
    rows = _rows(res)
    assert rows["2.6.3"]["headline"] == "确定可享：¥200,000.00（20万元）"
    assert rows["2.6.3"]["amount_basis"] == "certain"
    assert rows["1.3.1"]["missing"] == ["如已获评工业互联网标识解析二级节点，请补充认定日期"]
    joint = rows["2.6.1"]["joint_gap"]
    assert joint["verified"] and [(c["title"], c["to"]) for c in joint["changes"]] == [
        ("2023年度营业收入", "5000000.00"),
        ("2023年度研发投入", "750000.00"),
    ]
    assert res["summary"]["certain"] == "200000.00" and res["summary"]["up_to"] == "0.00"
    for row in res["results"]:
        for text in row["reasons"] + row["gaps"] + row["missing"]:
            assert "[" not in text, text


def test_explain_text_says_at_most_and_asks_for_facts(client: TestClient) -> None:
    client.cookies.clear()
    rich = {**NEAR_MISS, "annual": {"2023": {"revenue": "800万", "rd_expense": "130万"}}}
    text = client.post(f"{API}/explain", json=rich).text
    assert "✔ 2.6.1 软件企业研发补助 —— 最高可享：¥130,000.00（13万元），以主管部门审核为准" in text
    assert "？ 1.3.1 工业互联网标识解析二级节点资金支持（一（三））：如已获评" in text
    assert "DCMM认证认定日期 2023年8月1日" in text and "2023-08-01" not in text


def test_a_batch_explains_each_case_as_it_would_alone() -> None:
    batcher = Batcher(get_policy)
    cases = [NEAR_MISS, {**NEAR_MISS, "annual": {"2023": {"revenue": "900万", "rd_expense": "1"}}}]

    async def together() -> list[Any]:
        return await asyncio.gather(*(batcher.evaluate(c, None) for c in cases))

    answers = asyncio.run(together())
    assert batcher.batches == 1
    for case, answer in zip(cases, answers, strict=True):
        alone = evaluate_case_json(get_policy(), json.loads(json.dumps(case), parse_float=Decimal))
        assert answer == alone
        assert _rows(answer)["2.6.1"]["joint_gap"]["verified"] is True
