"""Slow but certain reference for 2.6.1–2.6.3: plain Python integers, one row at a time.

Why it can be trusted:

- Amounts enter as integer fen through pyarrow's *checked* cast of decimal128(18,2) × 100 to
  int64 (the cast refuses to drop a fractional part), not through float and not through
  the buffer trick the contenders use (arrowfen.py).
- Every comparison is an integer cross-multiplication with Python's unbounded ints:
  rd × 100 ≥ revenue × 15, (revenue − previous) × 100 ≥ previous × 30.
- Percentages are rationals (``Fraction``) and rounding half-up to the fen is
  floor(amount × p + 1/2) = (2·amount·num + den) // (2·den), exact for amount ≥ 0.

Window checks (fiscal year = year(as_of) − 1, as_of inside 2022-06-01..2025-05-31) are
constant over the benchmark population (fiscal year 2023, as_of 2024-06-30, all inside), so
they are not evaluated per row here. ``Rules`` is a parameter set; ``REFORM`` is the
issue-5 reform (2.6.1 cap 2,000,000, R&D intensity threshold 10 %).
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

AWARDS = ("award_2_6_1", "award_2_6_2", "award_2_6_3", "award_total")


@dataclass(frozen=True)
class Rules:
    """The parameters of 武政规〔2022〕6号 二（六）, money in fen."""

    min_revenue: int = 5_000_000_00
    min_rd_intensity: Fraction = Fraction(15, 100)
    rd_rate: Fraction = Fraction(10, 100)
    rd_cap: int = 1_000_000_00
    min_growth: Fraction = Fraction(30, 100)
    growth_rate: Fraction = Fraction(1, 100)
    growth_cap: int = 1_000_000_00
    dcmm: dict[int, int] = field(
        default_factory=lambda: {3: 200_000_00, 4: 300_000_00, 5: 500_000_00}
    )


BASELINE = Rules()
REFORM = dataclasses.replace(BASELINE, rd_cap=2_000_000_00, min_rd_intensity=Fraction(10, 100))


def half_up(amount: int, rate: Fraction) -> int:
    """amount × rate rounded half-up to the fen (amount ≥ 0)."""
    assert amount >= 0
    return (2 * amount * rate.numerator + rate.denominator) // (2 * rate.denominator)


def award_row(
    rules: Rules, software: bool | None, revenue: int | None, previous: int | None,
    rd: int | None, dcmm: int | None,
) -> tuple[int, int, int, int]:  # fmt: skip
    """(2.6.1, 2.6.2, 2.6.3, total) in fen for one enterprise; None = missing fact."""
    a1 = a2 = a3 = 0
    if software:
        big = revenue is not None and revenue >= rules.min_revenue
        p = rules.min_rd_intensity
        if big and rd is not None and rd * p.denominator >= revenue * p.numerator:
            a1 = min(half_up(rd, rules.rd_rate), rules.rd_cap)
        g = rules.min_growth
        if (
            big and previous is not None and previous > 0
            and (revenue - previous) * g.denominator >= previous * g.numerator
        ):  # fmt: skip
            a2 = min(half_up(revenue - previous, rules.growth_rate), rules.growth_cap)
        a3 = rules.dcmm.get(dcmm, 0) if dcmm is not None else 0
    return a1, a2, a3, a1 + a2 + a3


def to_fen_checked(col: pa.ChunkedArray | pa.Array) -> list[int | None]:
    """decimal(…, 2) → Python int fen via pyarrow's checked cast (errors on any fraction)."""
    scaled = pc.multiply_checked(col, pa.scalar(Decimal(100), pa.decimal128(3, 0)))
    return pc.cast(scaled, pa.int64(), safe=True).to_pylist()


def reference_table(table: pa.Table, rules: Rules = BASELINE) -> dict[str, np.ndarray]:
    """Expected awards (int64 fen arrays, keyed like the screen output) for ``table``."""
    software = table["software_enterprise"].to_pylist()
    revenue = to_fen_checked(table["revenue"])
    previous = to_fen_checked(table["revenue_previous_year"])
    rd = to_fen_checked(table["rd_expense"])
    dcmm = table["dcmm_level"].to_pylist()
    rows = [
        award_row(rules, s, r, p, d, m)
        for s, r, p, d, m in zip(software, revenue, previous, rd, dcmm, strict=True)
    ]
    out = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return {name: out[:, i].copy() for i, name in enumerate(AWARDS)}


def reference_file(path: Path, rules: Rules = BASELINE) -> dict[str, np.ndarray]:
    """Reference over a Parquet population, one row group at a time to bound memory."""
    pf = pq.ParquetFile(path)
    parts = [reference_table(pf.read_row_group(i), rules) for i in range(pf.num_row_groups)]
    if not parts:
        return {name: np.zeros(0, np.int64) for name in AWARDS}
    return {name: np.concatenate([p[name] for p in parts]) for name in AWARDS}


def cached_reference(
    population: Path, cache: Path, rules: Rules = BASELINE
) -> dict[str, np.ndarray]:
    """Reference results, computed once and kept next to the population (int64 fen)."""
    if cache.exists() and cache.stat().st_mtime >= population.stat().st_mtime:
        t = pq.read_table(cache)
        return {name: t[name].to_numpy() for name in AWARDS}
    ref = reference_file(population, rules)
    tmp = cache.with_name(cache.name + ".tmp")
    pq.write_table(pa.table(ref), tmp)
    tmp.replace(cache)
    return ref


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="exact awards (fen) for a population file")
    ap.add_argument("population", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True, help="Parquet of int64 fen")
    ap.add_argument("--reform", action="store_true", help="use the issue-5 reform parameters")
    args = ap.parse_args(argv)
    ref = reference_file(args.population, REFORM if args.reform else BASELINE)
    pq.write_table(pa.table(ref), args.output)
    print(f"wrote {len(ref['award_total']):,} rows to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
