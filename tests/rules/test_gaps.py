"""Joint gaps: the proposed change makes the case eligible, and is the least such change.

Checked through the public path (the case JSON, evaluate_case_json), not the solver's own
re-evaluation: apply the change to the case a person would send, evaluate it again.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.policies import load_policy
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.case import parse_case
from huiqi.rules.gaps import GapRequest, JointGap, joint_gap, joint_gaps

POLICY = load_policy()
FEN = st.integers(min_value=1, max_value=5 * 10**9)  # up to 5000万元
SETTINGS = settings(max_examples=120, deadline=None)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def software_case(revenue: int, rd: int, previous: int) -> dict[str, Any]:
    return {
        "as_of": "2024-06-30",
        "fiscal_year": 2023,
        "enterprise": {"software_enterprise": True, "district": "东湖高新区"},
        "annual": {
            "2023": {"revenue": yuan(revenue), "rd_expense": yuan(rd)},
            "2022": {"revenue": yuan(previous)},
        },
    }


def smart_case(equipment: int, productive: int, rd: int) -> dict[str, Any]:
    return {
        "as_of": "2024-06-30",
        "enterprise": {"district": "江夏区"},
        "projects": [
            {
                "id": "p1",
                "kind": "smart_transformation",
                "equipment_investment": yuan(equipment),
                "productive_equipment_investment": yuan(productive),
                "rd_investment": yuan(rd),
                "construction_start": "2023-01-01",
                "construction_end": "2024-01-01",
            }
        ],
    }


def with_figure(raw: dict[str, Any], path: str, fen: int) -> dict[str, Any]:
    """The case JSON with one figure (annual.2023.revenue, projects[0].x) set."""
    out = copy.deepcopy(raw)
    m = re.fullmatch(r"projects\[(\d+)\]\.(\w+)", path)
    if m:
        out["projects"][int(m[1])][m[2]] = yuan(fen)
        return out
    section, year, name = path.split(".")
    out.setdefault(section, {}).setdefault(year, {})[name] = yuan(fen)
    return out


def status(raw: dict[str, Any], measure: str, project: str | None = None) -> str:
    res = evaluate_case_json(POLICY, raw, [measure])
    (row,) = [r for r in res["results"] if r["project"] == project]
    return str(row["status"])


def check(raw: dict[str, Any], measure: str, project: str | None = None) -> JointGap | None:
    before = status(raw, measure, project)
    gap = joint_gap(POLICY, parse_case(raw, POLICY), measure, project)
    if before in ("eligible", "discretionary"):
        assert gap is None  # nothing to change
        return None
    if gap is None:
        # nothing to solve: no condition with a figure gap fails (e.g. the amount rounds to 0)
        res = evaluate_case_json(POLICY, raw, [measure])
        (row,) = [r for r in res["results"] if r["project"] == project]
        assert not [c for c in row["conditions"] if c["known"] and not c["passed"] and c["gap"]]
        return None
    if gap.other:
        # a condition figures cannot meet, or an amount of 0: not a figure gap to check
        assert not gap.verified
        return None
    assert gap is not None and gap.changes and gap.verified
    changed = raw
    for ch in gap.changes:
        assert ch.after_fen > ch.before_fen
        changed = with_figure(changed, ch.field, ch.after_fen)
    assert status(changed, measure, project) in ("eligible", "discretionary")
    # least: one fen less on any changed figure, the others as proposed, fails
    for ch in gap.changes:
        less = with_figure(changed, ch.field, ch.after_fen - 1)
        assert status(less, measure, project) == "ineligible", ch
    return gap


@SETTINGS
@given(revenue=FEN, rd=FEN, previous=FEN)
def test_rd_subsidy_joint_gap_is_least_and_sufficient(revenue: int, rd: int, previous: int) -> None:
    check(software_case(revenue, rd, previous), "2.6.1")


@SETTINGS
@given(revenue=FEN, rd=FEN, previous=FEN)
def test_growth_award_joint_gap_is_least_and_sufficient(
    revenue: int, rd: int, previous: int
) -> None:
    check(software_case(revenue, rd, previous), "2.6.2")


@SETTINGS
@given(equipment=FEN, productive=FEN, rd=FEN)
def test_smart_transformation_joint_gap(equipment: int, productive: int, rd: int) -> None:
    check(smart_case(equipment, productive, rd), "3.1.1", "p1")


def test_the_separate_gaps_fail_where_the_joint_one_passes() -> None:
    # 400万 revenue, 54万 R&D (13.5%)
    raw = software_case(400_000_000, 54_000_000, 100_000_000)
    res = evaluate_case_json(POLICY, raw, ["2.6.1"])
    conds = res["results"][0]["conditions"]
    separate = [c["gap"] for c in conds if c["gap"]]
    assert separate == ["还需增加年营业收入 ¥1,000,000.00", "还需增加研发投入 ¥60,000.00"]
    added = with_figure(raw, "annual.2023.revenue", 500_000_000)
    added = with_figure(added, "annual.2023.rd_expense", 60_000_000)
    assert status(added, "2.6.1") == "ineligible"  # 12%: the separate gaps are not enough
    gap = check(raw, "2.6.1")
    assert gap is not None
    assert [(c.field, c.after_fen) for c in gap.changes] == [
        ("annual.2023.revenue", 500_000_000),
        ("annual.2023.rd_expense", 75_000_000),
    ]


def test_facts_not_given_and_non_figure_conditions_are_named_not_solved() -> None:
    missing = software_case(400_000_000, 54_000_000, 100_000_000)
    del missing["annual"]["2023"]["rd_expense"]
    gap = joint_gap(POLICY, parse_case(missing, POLICY), "2.6.1")
    assert gap is not None and not gap.verified
    assert [c.field for c in gap.changes] == ["annual.2023.revenue"]
    assert gap.other == ("年研发投入占年营业收入比例达到15%及以上",)
    eligible = software_case(800_000_000, 130_000_000, 100_000_000)
    assert joint_gap(POLICY, parse_case(eligible, POLICY), "2.6.1") is None
    not_software = software_case(400_000_000, 54_000_000, 100_000_000)
    not_software["enterprise"]["software_enterprise"] = False
    gap = joint_gap(POLICY, parse_case(not_software, POLICY), "2.6.1")
    assert gap is not None and gap.other == ("属于软件企业",) and not gap.verified
    assert [c.after_fen for c in gap.changes] == [500_000_000, 75_000_000]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(FEN, FEN, FEN), min_size=2, max_size=6))
def test_rows_solved_together_are_solved_as_alone(firms: list[tuple[int, int, int]]) -> None:
    requests = [
        GapRequest(parse_case(software_case(*f), POLICY), m)
        for f in firms
        for m in ("2.6.1", "2.6.2")
    ]
    together = joint_gaps(POLICY, requests)
    alone = [joint_gap(POLICY, r.case, r.measure_id) for r in requests]
    assert together == alone
