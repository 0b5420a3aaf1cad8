"""`huiqi test`: a policy's YAML cases run as a report, with exit codes a script can use."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.helpers.cli import REPO, huiqi

CASES = REPO / "src" / "huiqi" / "policies" / "wuhan_digital_economy_2022" / "cases"

GOOD = """
defaults:
  as_of: "2024-06-30"
  fiscal_year: 2023
  enterprise: {software_enterprise: true, district: 东湖高新区}
cases:
  - name: 恰好500万、15%
    case: {annual: {"2023": {revenue: "5000000.00", rd_expense: "750000.00"}}}
    expect: [{measure: "2.6.1", status: eligible, amount: "75000.00"}]
"""


def test_every_installed_case_passes() -> None:
    out = huiqi("test")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "software_2_6.yaml（武政规〔2022〕6号）" in out.stdout
    assert "  ✔ [0] 2.6.1 营业收入恰好500万、研发占比恰好15%，符合" in out.stdout
    summary = out.stdout.strip().splitlines()[-1]
    count = sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["cases"]) for p in CASES.glob("*.yaml")
    )
    assert summary.startswith(f"{count} 个案例：{count} 个通过，全部通过")


def test_one_file_and_a_name_filter(tmp_path: Path) -> None:
    case_file = tmp_path / "good.yaml"
    case_file.write_text(GOOD, encoding="utf-8")
    out = huiqi("test", str(case_file))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "  ✔ [0] 恰好500万、15%" in out.stdout and "1 个案例：1 个通过" in out.stdout
    out = huiqi("test", str(CASES / "software_2_6.yaml"), "-k", "恰好达到上限")
    assert out.returncode == 0 and "1 个案例" in out.stdout


def test_a_failing_case_shows_expected_and_actual(tmp_path: Path) -> None:
    wrong = GOOD.replace('amount: "75000.00"', 'amount: "75000.01"') + (
        "  - name: 差一分\n"
        '    case: {annual: {"2023": {revenue: "4999999.99", rd_expense: "750000.00"}}}\n'
        '    expect: [{measure: "2.6.1", status: eligible}]\n'
    )
    case_file = tmp_path / "wrong.yaml"
    case_file.write_text(wrong, encoding="utf-8")
    out = huiqi("test", str(tmp_path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "  ✘ [0] 恰好500万、15%" in out.stdout
    assert "2.6.1 amount：期望 75000.01，实际 75000.00" in out.stdout
    assert "  ✘ [1] 差一分" in out.stdout
    assert "2.6.1 status：期望 eligible，实际 ineligible" in out.stdout
    assert "不符合：年营业收入 ¥4,999,999.99，低于 ¥5,000,000.00" in out.stdout  # the reasons
    assert out.stdout.strip().splitlines()[-1].startswith("2 个案例：0 个通过，2 个失败")


def test_a_malformed_case_file_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    row = "cases[0].expect[0]"
    broken = {
        "measure.yaml": (GOOD.replace('"2.6.1"', '"9.9.9"'), f"{row}.measure"),
        "status.yaml": (GOOD.replace("status: eligible", "status: yes"), f"{row}.status"),
        "amount.yaml": (GOOD.replace('amount: "75000.00"', "amount: 75000"), f"{row}.amount"),
        "name.yaml": (GOOD.replace("  - name: 恰好500万、15%\n", "  - nam: x\n"), "cases[0].nam"),
        "input.yaml": (
            GOOD.replace('revenue: "5000000.00"', "revenue: lots"),
            "cases[0].case.annual.2023.revenue",
        ),
        "yaml.yaml": ("cases: [\n", "第 "),
    }
    for name, (text, field) in broken.items():
        case_file = tmp_path / name
        case_file.write_text(text, encoding="utf-8")
        out = huiqi("test", str(case_file))
        assert out.returncode == 2, (name, out.stdout, out.stderr)
        assert f"{case_file}: {field}" in out.stderr, (name, out.stderr)
    assert huiqi("test", str(tmp_path / "absent.yaml")).returncode == 2
