"""One-line summaries are built from the parameters: a changed cap never leaves stale text."""

from __future__ import annotations

import re

from huiqi.policies import load_policy


def test_summary_amounts_come_from_parameters() -> None:
    policy = load_policy()
    for m in policy.measures.values():
        template = m.summary_template or m.summary
        assert "{" not in m.summary, m.id
        # no amount or rate written by hand where a measure has parameters for it
        assert not re.search(r"\d+(万|亿)?元|\d+%", template), (m.id, template)


def test_a_reform_or_reading_rewrites_the_summary() -> None:
    policy = load_policy()
    assert "最高100万元" in policy.measures["2.6.1"].summary
    reform = policy.with_parameters({"m2_6_1.cap": "2000000", "m2_6_1.rate": "0.12"})
    assert "按年研发投入的12%补助，最高200万元" in reform.measures["2.6.1"].summary
    assert policy.measures["2.6.1"].summary != reform.measures["2.6.1"].summary
    years = policy.with_readings({"m3_1_1.max_construction_years": 3})
    assert "建设期不超过3年" in years.measures["3.1.1"].summary
    assert "10亿元以上" in policy.measures["2.5.1"].summary
