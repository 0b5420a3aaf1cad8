"""Properties of the engine that must hold for every input (hypothesis).

- amounts never exceed a measure's cap;
- thresholds are exact (checked against plain integer arithmetic);
- awards are monotonic where the text implies it (more R&D never earns less under 2.6.1, more
  revenue growth never earns less under 2.6.2; more investment never less under 3.1.1);
- the bulk path (screen) equals the single path (evaluate) to the fen, firms outside Wuhan too;
- scope is exactly the district list; only a major penalty inside 36 calendar months blocks;
- 就高不重复 leaves a firm with the higher award, never both; one-time pays once; 3.1.2 is 20 %
  of the provincial support, uncapped and monotonic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.policies import load_policy
from huiqi.rules.api import evaluate_case_json
from huiqi.rules.credit_code import make_credit_code
from huiqi.screening.screen import screen_table
from tests.helpers.cases import software_case, yuan

POLICY = load_policy()
FEN = st.integers(min_value=0, max_value=10**12)  # up to 100 亿元
FEW = settings(max_examples=150, deadline=None)


def row(case: dict[str, Any], measure: str) -> dict[str, Any]:
    res = evaluate_case_json(POLICY, case)
    return next(r for r in res["results"] if r["measure"] == measure)


def fen(amount: str) -> int:
    return int(Decimal(amount) * 100)


@FEW
@given(revenue=FEN, rd=FEN)
def test_2_6_1_threshold_exact_and_cap(revenue: int, rd: int) -> None:
    r = row(software_case(revenue, rd, None), "2.6.1")
    eligible = revenue >= 500_000_000 and rd * 100 >= revenue * 15 and revenue > 0
    assert (r["status"] == "eligible") == eligible
    if eligible:
        assert fen(r["amount"]) == min((rd * 2 * 10 + 100) // 200, 100_000_000)
    assert fen(r["amount"]) <= 100_000_000


@FEW
@given(revenue=st.integers(500_000_000, 10**11), rd=FEN, extra=FEN)
def test_2_6_1_more_rd_never_earns_less(revenue: int, rd: int, extra: int) -> None:
    low = fen(row(software_case(revenue, rd, None), "2.6.1")["amount"])
    high = fen(row(software_case(revenue, rd + extra, None), "2.6.1")["amount"])
    assert high >= low


@FEW
@given(revenue=FEN, previous=FEN)
def test_2_6_2_threshold_exact_and_cap(revenue: int, previous: int) -> None:
    r = row(software_case(revenue, None, previous), "2.6.2")
    eligible = (
        revenue >= 500_000_000 and previous > 0 and (revenue - previous) * 100 >= previous * 30
    )
    assert (r["status"] == "eligible") == eligible
    if eligible:
        assert fen(r["amount"]) == min(((revenue - previous) * 2 + 100) // 200, 100_000_000)
    assert fen(r["amount"]) <= 100_000_000


@FEW
@given(previous=st.integers(1, 10**11), revenue=FEN, extra=FEN)
def test_2_6_2_more_revenue_never_earns_less(previous: int, revenue: int, extra: int) -> None:
    low = fen(row(software_case(revenue, None, previous), "2.6.2")["amount"])
    high = fen(row(software_case(revenue + extra, None, previous), "2.6.2")["amount"])
    assert high >= low


def smart_case(equipment: int, productive: int, rd: int) -> dict[str, Any]:
    return {
        "as_of": "2024-06-30",
        "enterprise": {"district": "江汉区"},
        "projects": [
            {
                "id": "S",
                "kind": "smart_transformation",
                "equipment_investment": yuan(equipment),
                "productive_equipment_investment": yuan(productive),
                "rd_investment": yuan(rd),
                "construction_start": "2023-01-01",
                "construction_end": "2024-01-01",
            }
        ],
    }


@FEW
@given(equipment=FEN, productive=FEN, rd=FEN, extra=FEN)
def test_3_1_1_cap_threshold_monotonic(
    equipment: int, productive: int, rd: int, extra: int
) -> None:
    r = row(smart_case(equipment, productive, rd), "3.1.1")
    subsidy = ((productive + rd) * 16 + 100) // 200  # 8%, half-up to the fen
    assert (r["status"] == "eligible") == (equipment >= 500_000_000 and subsidy > 0)
    assert fen(r["amount"]) <= 1_000_000_000
    more = row(smart_case(equipment, productive + extra, rd), "3.1.1")
    assert fen(more["amount"]) >= fen(r["amount"])


@FEW
@given(total=FEN)
def test_3_6_1_and_2_3_1_caps(total: int) -> None:
    case = {
        "as_of": "2024-06-30",
        "enterprise": {"district": "江汉区"},
        "projects": [
            {
                "id": "J",
                "kind": "scenario_challenge",
                "total_investment": yuan(total),
                "assessment_passed": True,
                "assessment_date": "2024-01-01",
            },
            {
                "id": "P",
                "kind": "public_service_platform",
                "software_investment": yuan(total),
                "hardware_investment": "0",
                "recognition_level": "municipal",
                "recognition_date": "2024-01-01",
            },
        ],
    }
    res = {r["measure"]: r for r in evaluate_case_json(POLICY, case)["results"]}
    assert fen(res["3.6.1"]["amount"]) == min((total * 60 + 100) // 200, 200_000_000)
    assert fen(res["2.3.1"]["amount"]) == min((total * 60 + 100) // 200, 500_000_000)


REGISTRY_ROW = st.tuples(
    st.booleans(),
    FEN,
    st.one_of(st.none(), FEN),
    st.one_of(st.none(), FEN),
    st.one_of(st.none(), st.integers(1, 5)),
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(REGISTRY_ROW, min_size=1, max_size=20))
def test_bulk_path_equals_single_path(
    rows: list[tuple[bool, int, int | None, int | None, int | None]],
) -> None:
    dec = pa.decimal128(18, 2)

    def col(values: list[int | None]) -> pa.Array:
        return pa.array([None if v is None else Decimal(v) / 100 for v in values], dec)

    # a few firms registered outside Wuhan (110108 北京市海淀区): out of scope on both paths
    codes = [
        make_credit_code(f"91{'110108' if i % 7 == 3 else '420106'}{i:09d}")
        for i in range(len(rows))
    ]
    table = pa.table(
        {
            "credit_code": codes,
            "software_enterprise": [r[0] for r in rows],
            "revenue": col([r[1] for r in rows]),
            "revenue_previous_year": col([r[2] for r in rows]),
            "rd_expense": col([r[3] for r in rows]),
            "dcmm_level": pa.array([r[4] for r in rows], pa.int8()),
        }
    )
    out, report = screen_table(POLICY, table, 2023, dt.date(2024, 6, 30))
    assert report.bad_rows == 0
    for i, (software, revenue, previous, rd, dcmm) in enumerate(rows):
        case = software_case(revenue, rd, previous)
        case["enterprise"]["software_enterprise"] = software
        del case["enterprise"]["district"]
        case["enterprise"]["credit_code"] = codes[i]
        if dcmm:
            case["recognitions"] = [{"kind": "dcmm", "level": dcmm, "date": "2022-06-01"}]
        res = {r["measure"]: r["amount"] for r in evaluate_case_json(POLICY, case)["results"]}
        for m in ("2.6.1", "2.6.2", "2.6.3"):
            assert str(out.column(f"award_{m.replace('.', '_')}")[i].as_py()) == res[m]


# -- scope, credit, 就高不重复, one-time, 3.1.2 --------------------------------------------

DISTRICTS = st.sampled_from(
    [
        "江岸区",
        "东湖高新区",
        "武汉市洪山区",
        "湖北省武汉市 长江新区",
        "北京市海淀区",
        "宜昌市西陵区",
        "汉口",
    ]
)


def rd_case(district: str | None, **extra: Any) -> dict[str, Any]:
    case = software_case(10**9, 2 * 10**8, None)
    case["enterprise"]["district"] = district
    case.update(extra)
    return case


@FEW
@given(district=DISTRICTS, wuhan_only=st.booleans())
def test_scope_is_the_district_list(district: str, wuhan_only: bool) -> None:
    from huiqi.policies.wuhan_digital_economy_2022.districts import is_wuhan_district

    case = rd_case(district, readings={"scope.wuhan_only": wuhan_only})
    r = row(case, "2.6.1")
    assert (r["status"] == "eligible") == (is_wuhan_district(district) or not wuhan_only)
    assert fen(r["amount"]) in (0, 20_000_000)


@FEW
@given(days_before=st.integers(min_value=0, max_value=2000), major=st.booleans())
def test_only_a_major_penalty_inside_36_calendar_months_blocks(
    days_before: int, major: bool
) -> None:
    as_of = dt.date(2024, 6, 30)
    day = as_of - dt.timedelta(days=days_before)
    field = "last_major_penalty_date" if major else "last_penalty_date"
    case = rd_case("江汉区")
    case["enterprise"][field] = day.isoformat()
    blocked = major and day > dt.date(2021, 6, 30)  # 36 months back, the edge day outside
    assert (row(case, "2.6.1")["status"] == "ineligible") == blocked
    case["readings"] = {"credit.block_any_penalty": True}
    assert (row(case, "2.6.1")["status"] == "ineligible") == (day > dt.date(2021, 6, 30))


@FEW
@given(rd=FEN, other=FEN, paid=st.booleans(), pay_difference=st.booleans())
def test_jiugao_the_firm_ends_with_the_higher_award(
    rd: int, other: int, paid: bool, pay_difference: bool
) -> None:
    ours = min((rd * 10 + 50) // 100, 100_000_000)  # 10 %, half-up, capped at 100万
    case = software_case(rd * 5, rd, None)  # revenue 5 x R&D: R&D share 20 %
    case["enterprise"]["district"] = "江夏区"
    case["other_policy_awards"] = [
        {"policy": "区级政策", "measure": "2.6.1", "amount": yuan(other),
         "status": "paid" if paid else "pending"}
    ]  # fmt: skip
    case["readings"] = {"jiugao.pay_difference": pay_difference}
    r = row(case, "2.6.1")
    if rd * 5 < 500_000_000 or ours == 0:
        assert r["status"] == "ineligible"
        return
    if other >= ours:  # ties go to the other policy
        assert r["status"] == "excluded" and fen(r["amount"]) == 0
        return
    assert r["status"] == "eligible"
    expected = ours - other if (paid and pay_difference) else ours
    assert fen(r["amount"]) == expected
    if paid and pay_difference:
        assert fen(r["amount"]) + other == ours  # 就高: the higher one in all, never both
    assert fen(r["amount"]) <= 100_000_000


@FEW
@given(computed=FEN, paid=FEN, top_up=st.booleans())
def test_one_time_2_3_1_pays_once_unless_top_up(computed: int, paid: int, top_up: bool) -> None:
    case = {
        "as_of": "2024-06-30",
        "enterprise": {"district": "江汉区"},
        "projects": [
            {"id": "P", "kind": "public_service_platform", "software_investment": yuan(computed),
             "hardware_investment": "0", "recognition_level": "municipal",
             "recognition_date": "2024-01-01"}
        ],
        "prior_awards": [{"measure": "2.3.1", "project": "P", "amount": yuan(paid)}],
        "readings": {"one_time.top_up": top_up},
    }  # fmt: skip
    full = min((computed * 30 + 50) // 100, 500_000_000)
    r = row(case, "2.3.1")
    assert fen(r["amount"]) == (max(full - paid, 0) if top_up else 0)
    assert fen(r["amount"]) + paid <= max(full, paid)


@FEW
@given(support=FEN, extra=FEN, kind=st.sampled_from(["special_fund", "financing"]))
def test_3_1_2_twenty_percent_no_cap_monotonic(support: int, extra: int, kind: str) -> None:
    def case(amount: int) -> dict[str, Any]:
        return {
            "as_of": "2024-06-30",
            "enterprise": {"district": "蔡甸区"},
            "projects": [
                {"id": "I", "kind": "provincial_supported_investment",
                 "provincial_support_kind": kind, "provincial_support_amount": yuan(amount),
                 "provincial_support_date": "2023-05-01"}
            ],
        }  # fmt: skip

    r = row(case(support), "3.1.2")
    expected = (support * 20 + 50) // 100
    assert fen(r["amount"]) == expected and r["cap"] is None
    assert (r["status"] == "eligible") == (expected > 0)
    more = row(case(support + extra), "3.1.2")
    assert fen(more["amount"]) >= fen(r["amount"])
