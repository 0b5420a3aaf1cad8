"""The CLI contract, run as a user runs it: the installed `huiqi` console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "software-firm.json"


def huiqi(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("huiqi", path=str(Path(sys.executable).parent)) or "huiqi"
    return subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, timeout=120)


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
    assert "✔ 2.6.1 软件企业研发补助 —— 符合：¥130,000.00" in out.stdout
    assert "二（六）“对我市年营业收入500万元及以上" in out.stdout
    assert "确定可享金额合计：¥260,000.00（26万元）" in out.stdout


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
            "from huiqi.platform.app import create_app; create_app(seed_demo=True)",
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
