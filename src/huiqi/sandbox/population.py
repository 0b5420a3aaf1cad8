"""A seeded, synthetic but plausible enterprise registry of the policy's place (the districts
and their weights come from the policy package's population.yaml), written as co-partitioned
Parquet tables (the `huiqi screen DIR` input), one part of `chunk` firms at a time.

Every distribution and its status (sourced / assumed) is listed in docs/sandbox.md. Part p
is drawn from its own generator seeded with (seed, p): the same seed and chunk give the same
firms, a larger population extends a smaller one part by part, and memory is one part.

Some firms are placed EXACTLY on thresholds (revenue 5,000,000.00, R&D exactly 15 % and
10 % of revenue, growth exactly 30 %, R&D exactly at the 2.6.1 cap, equipment exactly
5,000,000.00, construction exactly two years, recognition on the window's first and last
day) because those are the rows where inexact arithmetic or a wrong ≥/> flips a result.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from huiqi.policies.loader import DEFAULT_POLICY_ID, package_yaml
from huiqi.rules.credit_code import CHARSET, WEIGHTS
from huiqi.rules.frame import add_years, date_to_days
from huiqi.screening.columns import fen_to_decimal_array

IntArray = npt.NDArray[np.int64]
YUAN = 100  # fen
MONEY = pa.decimal128(18, 2)

# (district, 行政区划代码, weight), from the policy package's population.yaml (assumed weights)
_PLACE: dict[str, Any] = package_yaml(DEFAULT_POLICY_ID, "population.yaml") or {}
DISTRICTS: list[tuple[str, int, float]] = [
    (str(d["name"]), int(d["code"]), float(d["weight"])) for d in _PLACE.get("districts", [])
]
# (门类, weight, P(software enterprise), P(manufacturing-type projects)). Assumed, in the
# spirit of the 2018 economic census shares of legal-entity firms by 门类.
INDUSTRIES = [
    ("批发和零售业", 0.33, 0.002), ("租赁和商务服务业", 0.14, 0.01),
    ("科学研究和技术服务业", 0.10, 0.08), ("制造业", 0.10, 0.03), ("建筑业", 0.08, 0.002),
    ("软件和信息技术服务业", 0.07, 0.85), ("住宿和餐饮业", 0.05, 0.0),
    ("交通运输、仓储和邮政业", 0.04, 0.005), ("其他", 0.09, 0.005),
]  # fmt: skip
SOFTWARE_INDUSTRY, MANUFACTURING = 5, 3
# 中小微企业划型 shares (assumed, close to the census: micro firms dominate)
SIZES = [("micro", 0.78), ("small", 0.17), ("medium", 0.04), ("large", 0.01)]
# lognormal revenue per size: (median yuan, sigma). Assumed.
REVENUE = [(800_000, 1.0), (8_000_000, 0.8), (80_000_000, 0.8), (800_000_000, 1.0)]

OTHER_POLICY = str(_PLACE.get("other_policy", "其他扶持政策"))
WINDOW_START, WINDOW_END = dt.date(2022, 6, 1), dt.date(2025, 5, 31)


@dataclass(frozen=True)
class PopulationSpec:
    firms: int
    seed: int = 2024
    years: tuple[int, ...] = (2023,)  # fiscal years claimed; as_of = 30 June of the next year
    chunk: int = 1_000_000
    edge_share: float = 0.01  # share of software firms placed exactly on a threshold


def credit_codes(index: IntArray, district_code: IntArray) -> pa.Array:
    """Valid, unique GB 32100 codes: 9 1 <district> <GB 11714 org code> <check>.
    The org body is (index * 48271 + 12345) mod 10^8, a bijection on 10^8 (48271 is
    coprime with 10), so codes are unique for up to 100M firms."""
    n = len(index)
    alphabet = np.frombuffer(CHARSET.encode(), dtype=np.uint8)
    v = np.empty((n, 17), dtype=np.int64)
    v[:, 0], v[:, 1] = 9, 1
    for i in range(6):
        v[:, 2 + i] = district_code // 10 ** (5 - i) % 10
    body = (index * 48271 + 12345) % 10**8
    for i in range(8):
        v[:, 8 + i] = body // 10 ** (7 - i) % 10
    org = 11 - (v[:, 8:16] @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11  # 10 -> X, 11 -> 0
    v[:, 16] = np.where(org == 11, 0, np.where(org == 10, CHARSET.index("X"), org))
    check = (31 - (v @ np.array(WEIGHTS)) % 31) % 31
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :17], chars[:, 17] = alphabet[v], alphabet[check]
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars)])


def _pick(rng: np.random.Generator, weights: list[float], n: int) -> IntArray:
    p = np.array(weights, dtype=np.float64)
    return rng.choice(len(p), n, p=p / p.sum()).astype(np.int64)


def _fen(yuan: npt.NDArray[np.float64]) -> IntArray:
    # float only to DRAW a random amount; the amount is then an exact integer of fen
    return np.rint(np.clip(yuan, 0, 1e12) * YUAN).astype(np.int64)


def _dates(rng: np.random.Generator, lo: dt.date, hi: dt.date, n: int) -> IntArray:
    return rng.integers(date_to_days(lo), date_to_days(hi) + 1, n).astype(np.int64)


def _dict(words: list[str], idx: IntArray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(words))


def _date(days: IntArray, known: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    arr = pa.array(days.astype(np.int32), type=pa.int32())
    if known is not None:
        arr = pc.if_else(pa.array(known), arr, pa.scalar(None, pa.int32()))
    return arr.cast(pa.date32())


def _money(fen: IntArray, known: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    arr = fen_to_decimal_array(fen.astype(np.int64))
    if known is not None:
        arr = pc.if_else(pa.array(known), arr, pa.scalar(None, MONEY))
    return arr


def _ids(prefix: str, firm: IntArray, k: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(firm).cast(pa.string()), f"-{k}", "")


def make_part(spec: PopulationSpec, part: int) -> dict[str, pa.Table]:
    """Firms [part*chunk, ...) as the six registry tables."""
    start = part * spec.chunk
    n = min(spec.chunk, spec.firms - start)
    rng = np.random.default_rng([spec.seed, part])
    firm = np.arange(start, start + n, dtype=np.int64)
    district = _pick(rng, [d[2] for d in DISTRICTS], n)
    industry = _pick(rng, [i[1] for i in INDUSTRIES], n)
    # 光谷 hosts a larger software share (assumed 2x in 东湖高新区)
    p_soft = np.array([i[2] for i in INDUSTRIES])[industry] * np.where(district == 13, 2.0, 1.0)
    software = rng.random(n) < np.minimum(p_soft, 0.95)
    size = _pick(rng, [s[1] for s in SIZES], n)
    codes = credit_codes(firm, np.array([d[1] for d in DISTRICTS])[district])
    penalty = rng.random(n) < 0.02
    ent_cols = {
        "credit_code": codes,
        "district": _dict([d[0] for d in DISTRICTS], district),
        "industry": _dict([i[0] for i in INDUSTRIES], industry),
        "size": _dict([s[0] for s in SIZES], size),
        "software_enterprise": pa.array(software),
        "serious_discredit": pa.array(rng.random(n) < 0.003),
        "last_penalty_date": _date(
            _dates(rng, dt.date(2019, 1, 1), dt.date(2024, 6, 1), n), penalty
        ),
    }
    ent_tables = []
    for fy in spec.years:
        cols = dict(ent_cols)
        cols["as_of"] = _date(np.full(n, date_to_days(dt.date(fy + 1, 6, 30))))
        cols["fiscal_year"] = pa.array(np.full(n, fy, dtype=np.int32))
        ent_tables.append(pa.table(cols))
    enterprises = pa.concat_tables(ent_tables)

    annual = _annual(rng, spec, firm, codes, software, size)
    recognitions, awards_r = _recognitions(rng, firm, codes, software, industry, size)
    projects, recog_p, awards_p = _projects(rng, firm, codes, software, industry)
    awards_2_6_1 = _paid_this_year(rng, codes, software, spec.years)
    others = _other_awards(rng, codes, software, spec.years)
    return {
        "enterprises": enterprises,
        "annual": annual,
        "recognitions": pa.concat_tables([recognitions, recog_p]),
        "projects": projects,
        "awards": pa.concat_tables([awards_r, awards_p, awards_2_6_1]),
        "other_awards": others,
    }


def _annual(
    rng: np.random.Generator,
    spec: PopulationSpec,
    firm: IntArray,
    codes: pa.Array,
    software: npt.NDArray[np.bool_],
    size: IntArray,
) -> pa.Table:
    """Revenue for every year from min(years)-1: lognormal by size, then year-on-year growth
    exp(N(0.08, 0.30)) (assumed; software firms N(0.12, 0.35)). R&D = revenue × ratio,
    ratio ~ Beta(2.5, 17) for software firms (mean 12.8 %), Beta(1.2, 25) otherwise."""
    n = len(firm)
    years = list(range(min(spec.years) - 1, max(spec.years) + 1))
    med = np.array([r[0] for r in REVENUE], dtype=np.float64)[size]
    sig = np.array([r[1] for r in REVENUE])[size]
    level = rng.lognormal(np.log(med), sig)
    revenue, rd, rd_known = [], [], []
    for k in range(len(years)):
        if k:
            growth = np.where(software, rng.normal(0.12, 0.35, n), rng.normal(0.08, 0.30, n))
            level = level * np.exp(growth)
        revenue.append(_fen(level))
        ratio = np.where(software, rng.beta(2.5, 17, n), rng.beta(1.2, 25, n))
        rd.append(np.rint(revenue[-1] * ratio).astype(np.int64))
        rd_known.append(rng.random(n) > 0.03)
    for k in range(1, len(years)):
        _edges(rng, software, revenue[k - 1], revenue[k], rd[k])
    new_firm = rng.random(n) < 0.06  # founded in the first year: no earlier figures
    tables = []
    for k, year in enumerate(years):
        idx = np.flatnonzero(~new_firm) if k == 0 else np.arange(n)
        tables.append(
            pa.table(
                {
                    "credit_code": codes.take(pa.array(idx)),
                    "year": pa.array(np.full(len(idx), year, dtype=np.int32)),
                    "revenue": _money(revenue[k][idx]),
                    "rd_expense": _money(rd[k][idx], rd_known[k][idx]),
                }
            )
        )
    return pa.concat_tables(tables)


def _edges(
    rng: np.random.Generator,
    software: npt.NDArray[np.bool_],
    previous: IntArray,
    revenue: IntArray,
    rd: IntArray,
) -> None:
    """Place ~1 % of software firms exactly on a 2.6.x threshold (in place)."""
    n = len(revenue)
    kind = np.where(software & (rng.random(n) < 0.01), rng.integers(1, 8, n), 0)
    big = np.maximum(revenue - revenue % 20, 5_000_000 * YUAN)  # 15 % of it is whole fen
    on = kind == 1  # revenue exactly 5,000,000.00, R&D 20 %
    revenue[on], rd[on] = 5_000_000 * YUAN, 1_000_000 * YUAN
    on = kind == 2  # R&D exactly 15 % of revenue
    revenue[on] = big[on]
    rd[on] = big[on] * 15 // 100
    on = kind == 3  # R&D exactly 10 % of revenue: the example reform's threshold
    revenue[on] = big[on]
    rd[on] = big[on] // 10
    on = kind == 4  # R&D exactly 10,000,000.00: 2.6.1 award exactly at the cap
    revenue[on], rd[on] = 50_000_000 * YUAN, 10_000_000 * YUAN
    on = kind == 5  # R&D 20,000,000.00: at 100万 now, exactly 200万 under the reform
    revenue[on], rd[on] = 100_000_000 * YUAN, 20_000_000 * YUAN
    on = kind == 6  # growth exactly 30 %: previous a multiple of 10 fen, revenue 130 % of it
    previous[on] = np.maximum(previous[on] - previous[on] % 10, 5_000_000 * YUAN)
    revenue[on] = previous[on] * 13 // 10
    rd[on] = revenue[on] // 5
    on = kind == 7  # one fen under 15 %
    revenue[on] = big[on]
    rd[on] = big[on] * 15 // 100 - 1


def _recognitions(
    rng: np.random.Generator,
    firm: IntArray,
    codes: pa.Array,
    software: npt.NDArray[np.bool_],
    industry: IntArray,
    size: IntArray,
) -> tuple[pa.Table, pa.Table]:
    """DCMM (assumed): 3 % of software firms hold a level, 1–5 in proportions 2:4:5:3:1;
    0.05 % of other firms, uniform. 20 % of level-4/5 holders show an earlier level one lower
    (an upgrade), half of which was already paid 2.6.3. 5 % of dates sit exactly on the
    window's first day, 5 % on its last. Plus rare enterprise-level recognitions of large
    firms: 国家“双跨”平台 0.2 %, 服务业数字化领军企业 1 %."""
    n = len(firm)
    p = np.where(software, 0.03, 0.0005)
    holder = rng.random(n) < p
    level = np.where(
        software, _pick(rng, [2, 4, 5, 3, 1], n) + 1, _pick(rng, [1, 1, 1, 1, 1], n) + 1
    )
    date = _dates(rng, dt.date(2021, 1, 1), dt.date(2025, 5, 31), n)
    edge = rng.random(n)
    date = np.where(edge < 0.05, date_to_days(WINDOW_START), date)
    date = np.where((edge >= 0.05) & (edge < 0.10), date_to_days(WINDOW_END), date)
    idx = np.flatnonzero(holder)
    rows = {"credit_code": [codes.take(pa.array(idx))], "kind": [np.full(len(idx), "dcmm")],
            "level": [level[idx].astype(str)], "project": [np.full(len(idx), None)],
            "date": [date[idx]]}  # fmt: skip
    upgrade = holder & (level >= 4) & (rng.random(n) < 0.2)
    up = np.flatnonzero(upgrade)
    rows["credit_code"].append(codes.take(pa.array(up)))
    rows["kind"].append(np.full(len(up), "dcmm"))
    rows["level"].append((level[up] - 1).astype(str))
    rows["project"].append(np.full(len(up), None))
    rows["date"].append(date[up] - 400)
    for kind, share in (
        ("national_cross_industry_platform", 0.002),
        ("service_digital_leader", 0.01),
    ):
        pick = np.flatnonzero((size == 3) & (rng.random(n) < share))
        rows["credit_code"].append(codes.take(pa.array(pick)))
        rows["kind"].append(np.full(len(pick), kind))
        rows["level"].append(np.full(len(pick), None))
        rows["project"].append(np.full(len(pick), None))
        rows["date"].append(_dates(rng, dt.date(2022, 1, 1), dt.date(2025, 5, 31), len(pick)))
    table = pa.table(
        {
            "credit_code": pa.concat_arrays(rows["credit_code"]),
            "kind": pa.array(np.concatenate(rows["kind"]).astype(object), pa.string()),
            "level": pa.array(np.concatenate(rows["level"]).astype(object), pa.string()),
            "project": pa.array(np.concatenate(rows["project"]), pa.string()),
            "date": _date(np.concatenate(rows["date"])),
        }
    )
    paid = up[rng.random(len(up)) < 0.5]
    tiers = {3: 200_000, 4: 300_000, 5: 500_000}
    old = level[paid] - 1
    amount = np.select([old == k for k in tiers], list(tiers.values()), 0) * YUAN
    awards = _award_table(codes.take(pa.array(paid)), "2.6.3", amount, None, None)
    return table, awards


def _award_table(
    codes: pa.Array, measure: str, fen: IntArray, project: pa.Array | None, year: int | None
) -> pa.Table:
    m = len(codes)
    return pa.table(
        {
            "credit_code": codes,
            "measure": pa.array([measure] * m, pa.string()),
            "project": project if project is not None else pa.nulls(m, pa.string()),
            "fiscal_year": pa.array([year] * m, pa.int32()),
            "amount": _money(fen),
        }
    )


PROJECT_FIELDS = {
    "equipment_investment": MONEY, "productive_equipment_investment": MONEY,
    "rd_investment": MONEY, "construction_start": pa.date32(), "construction_end": pa.date32(),
    "provincial_support": MONEY, "provincial_support_date": pa.date32(),
    "software_investment": MONEY, "hardware_investment": MONEY,
    "recognition_level": pa.string(), "recognition_date": pa.date32(),
    "total_investment": MONEY, "assessment_passed": pa.bool_(), "assessment_date": pa.date32(),
}  # fmt: skip


def _projects(
    rng: np.random.Generator,
    firm: IntArray,
    codes: pa.Array,
    software: npt.NDArray[np.bool_],
    industry: IntArray,
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Projects (assumed shares): 4 % of manufacturers run a 智能化改造 project (equipment
    lognormal median 600万; 20 % also have 省级 support), 0.3 % of software firms a 公共服务平台,
    0.5 % of software firms a 揭榜挂帅 scenario. Recognitions of 3.1.3 attach to 10 % of the
    改造 projects; 10 % of those were already paid a lower tier."""
    n = len(firm)
    parts: list[pa.Table] = []
    st = np.flatnonzero((industry == MANUFACTURING) & (rng.random(n) < 0.04))
    m = len(st)
    equip = _fen(rng.lognormal(np.log(6_000_000), 0.8, m))
    equip = np.where(rng.random(m) < 0.03, 5_000_000 * YUAN, equip)  # exactly the threshold
    start = _dates(rng, dt.date(2020, 6, 1), dt.date(2024, 6, 1), m)
    end = start + rng.integers(180, 900, m)
    exact = rng.random(m) < 0.03  # construction exactly two years (same calendar date)
    end = np.where(exact, add_years(start, 2), end)
    support_known = rng.random(m) < 0.2
    st_ids = _ids("ST", firm[st], 1)
    parts.append(
        _project_table(
            codes.take(pa.array(st)),
            st_ids,
            "smart_transformation",
            {
                "equipment_investment": _money(equip),
                "productive_equipment_investment": _money(equip * 7 // 10),
                "rd_investment": _money(equip // 10),
                "construction_start": _date(start),
                "construction_end": _date(end),
                "provincial_support": _money(equip // 20, support_known),
                "provincial_support_date": _date(end + 60, support_known),
            },
        )
    )
    ps = np.flatnonzero(software & (rng.random(n) < 0.003))
    k = len(ps)
    levels = np.array(["municipal", "provincial", "national", None], dtype=object)
    parts.append(
        _project_table(
            codes.take(pa.array(ps)),
            _ids("PS", firm[ps], 1),
            "public_service_platform",
            {
                "software_investment": _money(_fen(rng.lognormal(np.log(3_000_000), 0.9, k))),
                "hardware_investment": _money(_fen(rng.lognormal(np.log(2_000_000), 0.9, k))),
                "recognition_level": pa.array(levels[_pick(rng, [5, 3, 1, 1], k)], pa.string()),
                "recognition_date": _date(
                    _dates(rng, dt.date(2021, 6, 1), dt.date(2025, 5, 31), k)
                ),
            },
        )
    )
    sc = np.flatnonzero(software & (rng.random(n) < 0.005))
    k = len(sc)
    parts.append(
        _project_table(
            codes.take(pa.array(sc)),
            _ids("SC", firm[sc], 1),
            "scenario_challenge",
            {
                "total_investment": _money(_fen(rng.lognormal(np.log(4_000_000), 0.8, k))),
                "assessment_passed": pa.array(rng.random(k) < 0.7),
                "assessment_date": _date(_dates(rng, dt.date(2022, 1, 1), dt.date(2025, 5, 31), k)),
            },
        )
    )
    projects = pa.concat_tables(parts, promote_options="default")
    # 3.1.3 recognitions of 改造 projects: 示范 / 标杆 / 灯塔 (assumed 80/18/2 %)
    rec = np.flatnonzero(rng.random(m) < 0.10)
    kinds = np.array(["smart_transformation_demo", "benchmark_smart_factory", "lighthouse_factory"])
    tier = _pick(rng, [80, 18, 2], len(rec))
    recog = pa.table(
        {
            "credit_code": codes.take(pa.array(st[rec])),
            "kind": pa.array(kinds[tier].astype(object), pa.string()),
            "level": pa.nulls(len(rec), pa.string()),
            "project": st_ids.take(pa.array(rec)),
            "date": _date(_dates(rng, dt.date(2022, 6, 1), dt.date(2025, 5, 31), len(rec))),
        }
    )
    paid = np.flatnonzero((tier >= 1) & (rng.random(len(rec)) < 0.10))
    awards = _award_table(
        codes.take(pa.array(st[rec[paid]])),
        "3.1.3",
        np.full(len(paid), 2_000_000 * YUAN),
        st_ids.take(pa.array(rec[paid])),
        None,
    )
    return projects, recog, awards


def _project_table(
    codes: pa.Array, ids: pa.Array, kind: str, cols: dict[str, pa.Array]
) -> pa.Table:
    m = len(codes)
    out = {"credit_code": codes, "id": ids, "kind": pa.array([kind] * m, pa.string())}
    for name, typ in PROJECT_FIELDS.items():
        out[name] = cols.get(name, pa.nulls(m, typ))
    return pa.table(out)


def _paid_this_year(
    rng: np.random.Generator,
    codes: pa.Array,
    software: npt.NDArray[np.bool_],
    years: tuple[int, ...],
) -> pa.Table:
    """2 % of software firms were already paid 2.6.1 for the fiscal year (a repeat claim)."""
    tables = []
    for fy in years:
        idx = np.flatnonzero(software & (rng.random(len(software)) < 0.02))
        fen = _fen(rng.uniform(50_000, 1_000_000, len(idx)))
        tables.append(_award_table(codes.take(pa.array(idx)), "2.6.1", fen, None, fy))
    return pa.concat_tables(tables)


def _other_awards(
    rng: np.random.Generator,
    codes: pa.Array,
    software: npt.NDArray[np.bool_],
    years: tuple[int, ...],
) -> pa.Table:
    """就高不重复: 5 % of software firms hold a district award for the same R&D subsidy
    (2.6.1), uniform 5–80万元 (assumed)."""
    idx = np.flatnonzero(software & (rng.random(len(software)) < 0.05))
    m = len(idx)
    return pa.table(
        {
            "credit_code": codes.take(pa.array(idx)),
            "policy": pa.array([OTHER_POLICY] * m, pa.string()),
            "measure": pa.array(["2.6.1"] * m, pa.string()),
            "project": pa.nulls(m, pa.string()),
            "amount": _money(_fen(rng.uniform(50_000, 800_000, m))),
        }
    )


def write_population(
    spec: PopulationSpec, out: Path, *, progress: Callable[[int], None] | None = None
) -> list[str]:
    """Write every part of every table under `out/<table>/part-NNNNN.parquet`; return the
    part names. One part in memory at a time."""
    out.mkdir(parents=True, exist_ok=True)
    parts = (spec.firms + spec.chunk - 1) // spec.chunk
    names = []
    for p in range(parts):
        tables = make_part(spec, p)
        name = f"part-{p:05d}.parquet"
        for table, data in tables.items():
            (out / table).mkdir(exist_ok=True)
            pq.write_table(data, out / table / name, compression="zstd")
        names.append(name)
        if progress is not None:
            progress(tables["enterprises"].num_rows // len(spec.years))
    meta = {"firms": spec.firms, "seed": spec.seed, "years": list(spec.years), "chunk": spec.chunk}
    (out / "population.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return names
