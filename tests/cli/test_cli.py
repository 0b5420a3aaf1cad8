"""The CLI contract, run as a user runs it: the installed `huiqi` console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import EXAMPLE, huiqi


def test_evaluate_prints_the_contract_json() -> None:
    out = huiqi("evaluate", str(EXAMPLE))
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    rows = {r["measure"]: r for r in res["results"]}
    assert rows["2.6.1"]["amount"] == "130000.00" and rows["2.6.1"]["status"] == "eligible"
    assert rows["2.6.3"]["amount"] == "100000.00"  # DCMM 3 -> 4 upgrade: the difference
    assert rows["1.3.1"]["status"] == "ineligible"
    assert res["total"] == "260000.00"
    for r in res["results"]:
        assert set(r) >= {"measure", "project", "status", "amount", "cap", "clause", "reasons"}


def test_evaluate_reads_stdin() -> None:
    out = huiqi("evaluate", "-", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert out.returncode == 0 and json.loads(out.stdout)["total"] == "260000.00"


def test_explain_is_chinese_and_cites_the_clause() -> None:
    out = huiqi("explain", str(EXAMPLE))
    assert out.returncode == 0, out.stderr
    assert "二（六）“对我市年营业收入500万元及以上" in out.stdout
    # 2.6.1 and 2.6.2 pay "不超过" a rate: at most, subject to review; DCMM's award is fixed
    assert (
        "✔ 2.6.1 软件企业研发补助 —— 最高可享：¥130,000.00（13万元），以主管部门审核为准"
        in out.stdout
    )
    assert "✔ 2.6.3 数据管理能力成熟度（DCMM）认证奖励 —— 确定可享：¥100,000.00" in out.stdout
    assert "确定可享：¥100,000.00（10万元）" in out.stdout
    assert "最高可享：¥160,000.00（16万元）" in out.stdout
    assert "合计最高可享：¥260,000.00（26万元）" in out.stdout
    assert "申报日：2024年6月30日" in out.stdout and "2024-06-30" not in out.stdout


def test_explain_asks_for_missing_facts_in_chinese() -> None:
    out = huiqi("explain", str(EXAMPLE))
    assert "  ？ 1.3.1 工业互联网标识解析二级节点资金支持（一（三））：" in out.stdout
    assert "如已获评工业互联网标识解析二级节点，请补充认定日期" in out.stdout
    # no case paths, no ✘ for what the firm has simply not told us
    assert "recognitions[" not in out.stdout and "projects[" not in out.stdout
    assert "✘ 1.3.1" not in out.stdout
    missing_rd = '{"as_of": "2024-06-30",'
    missing_rd += ' "enterprise": {"software_enterprise": true, "district": "东湖高新区"},'
    missing_rd += ' "annual": {"2023": {"revenue": "800万"}}}'
    out = huiqi("explain", "-", "--measure", "2.6.1", stdin=missing_rd)
    assert "？ 2.6.1 软件企业研发补助（二（六））：请补充2023年度研发投入" in out.stdout
    assert "annual[" not in out.stdout


def test_explain_solves_shared_figure_gaps_jointly() -> None:
    # 400万 revenue, 54万 R&D (13.5%): adding the two separate gaps (revenue +100万, R&D +6万)
    # still fails at 12%; the joint answer raises R&D to 15% of the new revenue
    case = {
        "as_of": "2024-06-30",
        "enterprise": {"software_enterprise": True, "district": "东湖高新区"},
        "annual": {"2023": {"revenue": "400万", "rd_expense": "54万"}},
    }
    out = huiqi("explain", "-", "--measure", "2.6.1", stdin=json.dumps(case))
    assert "→ 差距：2023年度营业收入增加 ¥1,000,000.00，达到 ¥5,000,000.00（500万元）" in out.stdout
    assert "→ 差距：2023年度研发投入增加 ¥210,000.00，达到 ¥750,000.00（75万元）" in out.stdout
    assert "已按调整后的数据重新测算，符合条件" in out.stdout
    res = json.loads(huiqi("evaluate", "-", "--measure", "2.6.1", stdin=json.dumps(case)).stdout)
    joint = res["results"][0]["joint_gap"]
    assert joint["verified"] is True
    assert [(c["field"], c["to"]) for c in joint["changes"]] == [
        ("annual.2023.revenue", "5000000.00"),
        ("annual.2023.rd_expense", "750000.00"),
    ]
    case["annual"]["2023"] = {"revenue": "5000000.00", "rd_expense": "750000.00"}
    after = json.loads(huiqi("evaluate", "-", "--measure", "2.6.1", stdin=json.dumps(case)).stdout)
    assert after["results"][0]["status"] == "eligible"


def test_explain_says_why_a_discretionary_amount_is_left_to_review() -> None:
    case = {
        "as_of": "2024-06-30",
        "projects": [
            {
                "id": "p1",
                "kind": "core_industry_manufacturing",
                "total_investment": "12亿",
                "newly_introduced": True,
                "introduction_date": "2023-03-01",
            },
            {"id": "c1", "kind": "cloud_adoption", "service_date": "2024-01-10"},
            {"id": "k1", "kind": "key_technology", "approval_date": "2023-03-01"},
        ],
        "enterprise": {"size": "small", "district": "武汉经开区"},
    }
    ids = ("--measure", "2.5.1", "--measure", "3.2.1", "--measure", "2.1.1")
    out = huiqi("explain", "-", *ids, stdin=json.dumps(case))
    assert "◎ 2.5.1" in out.stdout and "预计可享：符合条件，金额由主管部门评审核定" in out.stdout
    assert "为何待评审：区级政策，由项目所在区落实——原文“各区依法落实专项激励政策”" in out.stdout
    assert "为何待评审：年度服务券目录" in out.stdout and "应用服务目录和奖补标准" in out.stdout
    assert "最高3000万元，以主管部门审核为准" in out.stdout  # 万元 without thousands commas
    assert "2023年3月1日" in out.stdout


def test_evaluate_json_carries_the_explanation_fields() -> None:
    res = json.loads(huiqi("evaluate", str(EXAMPLE)).stdout)
    rows = {r["measure"]: r for r in res["results"]}
    assert rows["2.6.1"]["amount_basis"] == "up_to"
    assert rows["2.6.1"]["headline"].startswith("最高可享：¥130,000.00")
    assert rows["2.6.3"]["amount_basis"] == "certain"
    assert rows["1.3.1"]["amount_basis"] == "review"
    assert rows["1.3.1"]["missing"] == ["如已获评工业互联网标识解析二级节点，请补充认定日期"]
    assert res["summary"]["certain"] == "100000.00" and res["summary"]["up_to"] == "160000.00"
    for row in res["results"]:
        for text in row["reasons"] + row["gaps"] + row["missing"]:
            assert "¥0.00 ≥ ¥0.00" not in text and "[" not in text, text


@pytest.mark.parametrize(
    ("case", "path"),
    [
        ('{"as_of": "2024-06-30", "annual": {"2023": {"revenue": -1}}}', "annual.2023.revenue"),
        ('{"as_of": "2024-06-30", "annual": {"2023": {"revenue": "lots"}}}', "annual.2023.revenue"),
        ('{"as_of": "2024-02-30"}', "as_of"),
        (
            '{"as_of": "2024-06-30", "enterprise": {"credit_code": "91420100MA4K5Q8U18"}}',
            "enterprise.credit_code",
        ),
        (
            '{"as_of": "2024-06-30", "prior_awards": [{"measure": "7.7.7", "amount": 1}]}',
            "prior_awards[0].measure",
        ),
        ('{"as_of": ', "$"),
    ],
)
def test_bad_input_exits_2_naming_the_field(case: str, path: str) -> None:
    for command in ("evaluate", "explain"):
        out = huiqi(command, "-", stdin=case)
        assert out.returncode == 2
        assert f"  {path}: " in out.stderr
        assert out.stdout == ""


def test_missing_file_exits_2() -> None:
    out = huiqi("evaluate", "/nonexistent/case.json")
    assert out.returncode == 2 and "/nonexistent/case.json" in out.stderr


def test_help_teaches_with_examples() -> None:
    out = huiqi("--help")
    assert "huiqi explain examples/software-firm.json" in out.stdout
    sub = huiqi("screen", "--help")
    assert "dcmm_level" in sub.stdout and "坏行" in sub.stdout


def test_policy_listing_commands() -> None:
    measures = huiqi("policy", "measures", "--json")
    assert len(json.loads(measures.stdout)) == 25
    tasks = huiqi("policy", "tasks")
    assert "4.1.T1" in tasks.stdout and "牵头：市政务服务大数据局" in tasks.stdout
    params = huiqi("policy", "parameters")
    assert "* interpretation.tie_goes_to_other_policy" in params.stdout


def test_evaluate_a_subset_of_measures() -> None:
    out = huiqi("evaluate", str(EXAMPLE), "--measure", "2.6.1", "--measure", "2.6.3")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert [r["measure"] for r in res["results"]] == ["2.6.1", "2.6.3"]
    assert res["total"] == "230000.00"
    bad = huiqi("evaluate", str(EXAMPLE), "--measure", "9.9")
    assert bad.returncode == 2 and "  measures: 未知措施编号 9.9" in bad.stderr


def test_audit_verify_on_a_fresh_demo_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    seeded = subprocess.run(
        [
            sys.executable,
            "-c",
            "from huiqi.server import create_app; create_app(seed_demo=True)",
        ],
        env={**os.environ, "HUIQI_DATABASE_URL": url},
        capture_output=True,
        timeout=300,
    )
    assert seeded.returncode == 0, seeded.stderr
    exe = str(Path(sys.executable).parent / "huiqi")
    out = subprocess.run(
        [exe, "audit", "verify"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HUIQI_DATABASE_URL": url},
    )
    assert out.returncode == 0, out.stdout + out.stderr
