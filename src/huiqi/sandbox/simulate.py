"""Baseline vs reform over a registry, reduced to small aggregates part by part.

`simulate_part` is THE batch function: one co-partition in, a `Summary` out (sums per
measure × district × fiscal year, firms gaining/losing, the top winners and losers). The
single-process path and the Dask path (distributed.py) run exactly this function and merge
with `Summary.merge`, which is exact (Python int) and order-independent, so both paths give
the same result to the fen. No row-level output is ever collected: memory is one part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.policies import load_policy
from huiqi.rules.evaluator import DISCRETIONARY, ELIGIBLE
from huiqi.rules.policy import Policy
from huiqi.screening.registry import RowsCache, evaluate_part, load_part
from huiqi.screening.registry_screen import discover_parts, read_part
from huiqi.screening.tables import RegistryPart

from .reform import Reform

TOP = 20  # winners / losers kept
Key = tuple[str, str, int]  # (measure, district, fiscal_year)
Firm = tuple[
    int, str, int, str, int, int
]  # (delta, credit_code, fiscal_year, district, base, reform)


@dataclass
class Summary:
    """Exact aggregates of a simulation; adding two summaries is the merge."""

    cases: int = 0
    bad_cases: int = 0
    problems: list[tuple[str, str, int, str, str, str]] = field(default_factory=list)
    # (measure, district, year) -> [baseline fen, reform fen, baseline firms, reform firms]
    cube: dict[Key, list[int]] = field(default_factory=dict)
    # measure -> [baseline, reform] counts of discretionary (eligible for review) rows
    discretionary: dict[str, list[int]] = field(default_factory=dict)
    # (district, year) -> [firms, gaining, losing, baseline recipients, reform recipients]
    firms: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    winners: list[Firm] = field(default_factory=list)
    losers: list[Firm] = field(default_factory=list)

    def merge(self, other: Summary) -> Summary:
        self.cases += other.cases
        self.bad_cases += other.bad_cases
        self.problems = (self.problems + other.problems)[:1000]
        # the three tables differ only in their key; each key's counts add up position by position
        tables: tuple[tuple[dict[Any, list[int]], dict[Any, list[int]]], ...] = (
            (self.cube, other.cube),
            (self.discretionary, other.discretionary),
            (self.firms, other.firms),
        )
        for table, theirs in tables:
            for k, v in theirs.items():
                mine = table.setdefault(k, [0] * len(v))
                for i, x in enumerate(v):
                    mine[i] += x
        self.winners = sorted(self.winners + other.winners, key=_winner_order)[:TOP]
        self.losers = sorted(self.losers + other.losers, key=_loser_order)[:TOP]
        return self

    def total(self, which: int, by: Callable[[Key], Any] | None = None) -> dict[Any, int]:
        """Sum the cube (which: 0 baseline fen, 1 reform fen, 2/3 firms) by a key function."""
        out: dict[Any, int] = {}
        for k, v in self.cube.items():
            g = by(k) if by else None
            out[g] = out.get(g, 0) + v[which]
        return out


def _winner_order(f: Firm) -> tuple[int, str, int]:
    return (-f[0], f[1], f[2])


def _loser_order(f: Firm) -> tuple[int, str, int]:
    return (f[0], f[1], f[2])


def _top(
    delta: np.ndarray,
    part: RegistryPart,
    idx: np.ndarray,
    base: np.ndarray,
    ref: np.ndarray,
    sign: int,
) -> list[Firm]:
    """The TOP firms by sign*delta, ties broken by (credit_code, year) exactly as in merge,
    so a part's cut never drops a firm the global top would keep."""
    d = sign * delta[idx]
    pos = d > 0
    idx, d = idx[pos], d[pos]
    if len(idx) == 0:
        return []
    if len(idx) > TOP:
        kth = np.partition(d, len(d) - TOP)[len(d) - TOP]
        keep = d >= kth  # every tie at the cut stays a candidate
        idx = idx[keep]
    codes = part.codes.take(pa.array(idx)).to_pylist()
    firms = [
        (
            int(delta[i]),
            codes[j],
            int(part.fiscal_year[i]),
            str(part.district[i]),
            int(base[i]),
            int(ref[i]),
        )
        for j, i in enumerate(idx)
    ]
    return sorted(firms, key=_winner_order if sign > 0 else _loser_order)[:TOP]


def simulate_part(baseline: Policy, reformed: Policy, part: RegistryPart) -> Summary:
    cache = RowsCache(part)  # frames shared by both runs where the window is unchanged
    base_results = evaluate_part(baseline, part, cache)
    # measures whose frame, formula and parameters the reform leaves alone are reused, exactly
    runs = [base_results, evaluate_part(reformed, part, cache, reuse=base_results)]
    enc = pc.dictionary_encode(pa.array(part.district, pa.string()))
    names = [str(x) if x is not None else "（未填）" for x in enc.dictionary.to_pylist()]
    names.append("（未填）")
    dist = enc.indices.fill_null(len(names) - 1).to_numpy(zero_copy_only=False).astype(np.int64)
    years_u, year = np.unique(part.fiscal_year, return_inverse=True)
    group = dist * len(years_u) + year.astype(np.int64)
    ngroup = len(names) * len(years_u)

    def label(g: int) -> tuple[str, int]:
        return names[g // len(years_u)], int(years_u[g % len(years_u)])

    s = Summary(cases=part.n, bad_cases=int(part.bad.sum()))
    s.problems = [
        (p.table, p.source, p.row, p.field, p.rule, p.message) for p in part.problems[:1000]
    ]
    totals = [np.zeros(part.n, dtype=np.int64), np.zeros(part.n, dtype=np.int64)]
    for which, results in enumerate(runs):
        for r in results:
            fen = np.zeros(ngroup, dtype=np.int64)
            np.add.at(fen, group[r.case], r.amount)
            firms = np.zeros(ngroup, dtype=np.int64)
            np.add.at(firms, group[r.case], (r.status == ELIGIBLE).astype(np.int64))
            for g in np.flatnonzero((fen != 0) | (firms != 0)):
                district, fy = label(int(g))
                cell = s.cube.setdefault((r.measure, district, fy), [0, 0, 0, 0])
                cell[which] += int(fen[g])
                cell[2 + which] += int(firms[g])
            disc = s.discretionary.setdefault(r.measure, [0, 0])
            disc[which] += int(np.count_nonzero(r.status == DISCRETIONARY))
            np.add.at(totals[which], r.case, r.amount)
    base, ref = totals
    delta = ref - base
    good = ~part.bad
    stats = np.zeros((ngroup, 5), dtype=np.int64)
    for col, mask in enumerate((good, good & (delta > 0), good & (delta < 0), base > 0, ref > 0)):
        np.add.at(stats[:, col], group[mask], 1)
    for g in np.flatnonzero(stats[:, 0]):
        s.firms[label(int(g))] = [int(x) for x in stats[g]]
    changed = np.flatnonzero(delta != 0)
    s.winners = _top(delta, part, changed, base, ref, +1)
    s.losers = _top(delta, part, changed, base, ref, -1)
    return s


@dataclass(frozen=True)
class Run:
    """Everything a worker needs to simulate one part: plain, picklable data."""

    policy_id: str
    reform: Reform
    as_of: dt.date | None = None
    fiscal_year: int | None = None

    def policies(self) -> tuple[Policy, Policy]:
        baseline = load_policy(self.policy_id)
        return baseline, self.reform.apply(baseline)


def simulate_files(run: Run, files: dict[str, Path | None]) -> Summary:
    """One part from its files: what a Dask task executes."""
    baseline, reformed = run.policies()
    sources = {k: str(v) for k, v in files.items() if v is not None}
    part = load_part(
        baseline, read_part(files), as_of=run.as_of, fiscal_year=run.fiscal_year, sources=sources
    )
    return simulate_part(baseline, reformed, part)


def simulate_directory(
    run: Run, directory: Path, *, advance: Callable[[int], None] | None = None
) -> Summary:
    """Single process: parts one after another, merged as they come."""
    total = Summary()
    for files in discover_parts(directory):
        s = simulate_files(run, files)
        total.merge(s)
        if advance is not None:
            advance(s.cases)
    return total
