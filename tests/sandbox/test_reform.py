"""Reform files: parsed exactly, applied to the policy, bad ones rejected naming the field."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from huiqi.policies import load_policy
from huiqi.rules.errors import InputError
from huiqi.sandbox.reform import Reform, describe_changes, load_reform, parse_reform

POLICY = load_policy()
EXAMPLE = """
name: 研发补助提标
description: 上限 200 万元，门槛 10%，有效期延长一年，停止 DCMM 奖励
parameters:
  m2_6_1.cap: 2000000
  m2_6_1.rd_ratio: 0.10
  window.end: 2026-05-31
disable: [2.6.3]
"""


def test_example_reform_applies(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    reform = load_reform(path)
    assert reform.disable == ("2.6.3",)
    policy = reform.apply(POLICY)
    when = dt.date(2024, 6, 30)
    assert policy.cap_fen("2.6.1", when) == 2_000_000_00
    assert policy.parameter_at("m2_6_1.rd_ratio", when) == Fraction(1, 10)  # exact, not 0.1f
    assert policy.parameter_at("window.end", when) == dt.date(2026, 5, 31)
    assert "2.6.3" not in policy.measures and "2.6.3" in POLICY.measures
    rows = describe_changes(POLICY, reform)
    assert ("措施 2.6.3（数据管理能力成熟度（DCMM）认证奖励）", "启用", "停用") in rows
    assert any(r[1] == "15%" and r[2] == "10%" for r in rows)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"name": "x", "parameters": {"m2_6_1.capp": 1}}, "parameters.m2_6_1.capp"),
        ({"name": "x", "disable": ["9.9.9"]}, "disable[0]"),
        ({"name": "x", "parameters": {"m2_6_1.cap": "0.001"}}, "parameters.m2_6_1.cap"),
        ({"parameters": {}}, "name"),
        ({"name": "x", "rules": {}}, "rules"),
    ],
)
def test_bad_reforms_name_the_field(raw: dict, path: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_reform(raw).apply(POLICY)
    assert exc.value.errors[0].path == path
    assert exc.value.errors[0].message  # Chinese message for a person


def test_bad_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_reform(path)
    assert "YAML" in exc.value.errors[0].message


def test_empty_reform_is_the_baseline() -> None:
    assert Reform("无变化").apply(POLICY).parameters == POLICY.parameters
