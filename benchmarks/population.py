"""Seeded synthetic population of enterprises for the 2.6.1–2.6.3 screening benchmark.

    python benchmarks/population.py --rows 1000000 --seed 2024 -o benchmarks/data/pop.parquet

Columns (the ``huiqi screen`` input contract):

- ``credit_code``: string, 18 chars, a *valid* GB 32100-2015 unified social credit code
  (registration authority 9 = 工商, category 1 = 企业, a Wuhan district code, a GB 11714
  organisation code with its own check character, then the GB 32100 check character).
  Codes are unique: the 8-digit organisation body is (row * 48271 + offset) mod 10^8, a
  bijection on 10^8 because 48271 is coprime with 10. It is all vectorised, so valid codes
  cost next to nothing even at 10M rows.
- ``software_enterprise``: bool, P(True) = 0.4.
- ``revenue``: decimal128(18,2), lognormal in yuan (median 3,000,000, sigma 1.5, clipped to
  [1,000, 5e10]) so that roughly a third of firms reach the 5,000,000 threshold.
- ``revenue_previous_year``: decimal128(18,2), nullable. 6 % null (new firms), 0.5 % zero,
  otherwise revenue / exp(N(0.10, 0.25)): about a quarter of firms grow ≥ 30 %.
- ``rd_expense``: decimal128(18,2) = revenue × ratio, ratio ~ Beta(2.5, 17) for software
  firms (mean ≈ 12.8 %, ≈ 30 % of them at or above 15 %) and Beta(1.2, 25) otherwise.
- ``dcmm_level``: int8, nullable; 0 = no DCMM level. Software firms hold level 1–5 with
  probabilities 2/4/5/3/1 %, others 1/1/0.5/0.3/0.2 % (2.6.3 must ignore them); 1 % null.

On top of that, ``--edge-fraction`` (default 4 %) of the rows are overwritten with values that
sit EXACTLY on a threshold or one fen either side of it (see ``KINDS``). Those are the rows
that float arithmetic gets wrong. A sidecar ``<output stem>.kinds.parquet`` holds the kind
code of every row (0 = ordinary), so the harness can say how many wrong rows are edge rows;
it is not part of the screening input.

Rows are generated and written one row group at a time (``--chunk-rows``, default 1,000,000)
with an independent generator per chunk, so 10M rows need only about one chunk of memory and
the result does not depend on how many processes wrote it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from arrowfen import fen_to_decimal

YUAN = 100  # fen per yuan
THRESHOLD_REVENUE = 5_000_000 * YUAN

# Kind codes of the edge rows. Each names the exact boundary it probes.
KINDS: dict[int, str] = {
    0: "ordinary",
    1: "revenue = 5,000,000.00",
    2: "revenue = 4,999,999.99",
    3: "revenue = 5,000,000.01",
    4: "rd = exactly 15% of revenue",
    5: "rd = 15% of revenue - 0.01",
    6: "rd = 15% of revenue + 0.01",
    7: "rd = smallest fen >= 15% (revenue not /20)",
    8: "rd = largest fen < 15% (revenue not /20)",
    9: "growth = exactly 30%",
    10: "growth = 30% - 0.01 revenue",
    11: "growth = 30% + 0.01 revenue",
    12: "10% x rd ends in .xx5 (half-up)",
    13: "1% x growth ends in .xx50 (half-up)",
    14: "rd = 10,000,000.00 (2.6.1 cap exactly)",
    15: "rd = 9,999,999.90 (award 999,999.99)",
    16: "rd = 10,000,000.10 (award 1,000,000.01 -> cap)",
    17: "rd = 9,999,999.95 (999,999.995 half-up to cap)",
    18: "rd = 9,999,999.94 (999,999.994 -> 999,999.99)",
    19: "growth = 100,000,000.00 (2.6.2 cap exactly)",
    20: "growth = 99,999,999.00 (award 999,999.99)",
    21: "growth = 100,000,001.00 (award over cap)",
}
EDGE_KINDS = np.array(sorted(k for k in KINDS if k), dtype=np.int8)

ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)  # GB 32100
CODE_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)  # GB 11714
WUHAN_DISTRICTS = np.array(
    [420102, 420103, 420104, 420105, 420106, 420107, 420111,
     420112, 420113, 420114, 420115, 420116, 420117], dtype=np.int64,
)  # fmt: skip


def credit_codes(rows: np.ndarray, seed: int, rng: np.random.Generator) -> pa.Array:
    """Valid, unique GB 32100 codes for global row numbers ``rows`` (vectorised)."""
    n = rows.size
    values = np.empty((n, 17), dtype=np.int64)  # GB 32100 character values 0..30
    values[:, 0] = 9
    values[:, 1] = 1
    district = WUHAN_DISTRICTS[rng.integers(0, WUHAN_DISTRICTS.size, n)]
    for i in range(6):
        values[:, 2 + i] = district // 10 ** (5 - i) % 10
    body = (rows.astype(np.int64) * 48271 + seed * 7919) % 10**8
    for i in range(8):
        values[:, 8 + i] = body // 10 ** (7 - i) % 10
    org_check = 11 - (values[:, 8:16] @ ORG_WEIGHTS) % 11  # 10 -> 'X', 11 -> '0'
    values[:, 16] = np.where(org_check == 11, 0, np.where(org_check == 10, 29, org_check))
    check = (31 - (values @ CODE_WEIGHTS) % 31) % 31
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :17] = ALPHABET[values]
    chars[:, 17] = ALPHABET[check]
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars)])


def _ordinary(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    software = rng.random(n) < 0.4
    revenue_yuan = np.clip(rng.lognormal(np.log(3_000_000), 1.5, n), 1_000, 5e10)
    revenue = np.rint(revenue_yuan * YUAN).astype(np.int64)
    growth = np.exp(rng.normal(0.10, 0.25, n))
    previous = np.rint(revenue / growth).astype(np.int64)
    u = rng.random(n)
    previous_null = u < 0.06
    previous[(u >= 0.06) & (u < 0.065)] = 0
    ratio = np.where(software, rng.beta(2.5, 17, n), rng.beta(1.2, 25, n))
    rd = np.rint(revenue * ratio).astype(np.int64)
    levels = np.arange(6, dtype=np.int8)
    dcmm = np.where(
        software,
        rng.choice(levels, n, p=[0.85, 0.02, 0.04, 0.05, 0.03, 0.01]),
        rng.choice(levels, n, p=[0.97, 0.01, 0.01, 0.005, 0.003, 0.002]),
    ).astype(np.int8)
    dcmm_null = rng.random(n) < 0.01
    return {
        "software": software, "revenue": revenue, "previous": previous,
        "previous_null": previous_null, "rd": rd, "dcmm": dcmm, "dcmm_null": dcmm_null,
    }  # fmt: skip


def _seed_edges(cols: dict[str, np.ndarray], kind: np.ndarray, rng: np.random.Generator) -> None:
    """Overwrite edge rows in place so each sits exactly on (or one fen off) a boundary."""
    rev, prev, rd = cols["revenue"], cols["previous"], cols["rd"]
    edge = kind > 0
    # Edge rows are software firms with every *other* condition comfortably met, so that
    # the one boundary under test decides the outcome.
    cols["software"][edge] = True
    cols["previous_null"][edge] = False

    def pick(k: int) -> np.ndarray:
        return np.flatnonzero(kind == k)

    def comfortable(idx: np.ndarray, revenue: np.ndarray) -> None:
        rev[idx] = revenue
        rd[idx] = revenue // 5  # 20 % R&D: 2.6.1 met
        prev[idx] = revenue * 10 // 14  # 40 % growth: 2.6.2 met

    def big_revenue(m: int, multiple: int = 1) -> np.ndarray:
        r = np.rint(rng.lognormal(np.log(2e7), 1.0, m) * YUAN).astype(np.int64)
        r = np.maximum(r, THRESHOLD_REVENUE + 10**6)
        return r - r % multiple

    for k, delta in ((1, 0), (2, -1), (3, 1)):
        idx = pick(k)
        comfortable(idx, np.full(idx.size, THRESHOLD_REVENUE + delta, np.int64))
    for k, delta in ((4, 0), (5, -1), (6, 1)):
        idx = pick(k)
        r = big_revenue(idx.size, 20)  # 15 % of a multiple of 20 fen is a whole fen
        comfortable(idx, r)
        rd[idx] = r * 15 // 100 + delta
    for k, delta in ((7, 0), (8, -1)):
        idx = pick(k)
        r = big_revenue(idx.size)
        r += r % 20 == 0  # make 15 % fall strictly between two fen
        comfortable(idx, r)
        rd[idx] = -((-r * 15) // 100) + delta  # ceil(15 % of revenue), or one fen less
    for k, delta in ((9, 0), (10, -1), (11, 1)):
        idx = pick(k)
        p = big_revenue(idx.size, 10)  # 130 % of a multiple of 10 fen is a whole fen
        comfortable(idx, p * 13 // 10)
        prev[idx] = p
        rev[idx] = p * 13 // 10 + delta
    idx = pick(12)
    r = big_revenue(idx.size)
    comfortable(idx, r)
    rd[idx] = rd[idx] - rd[idx] % 10 + 5  # 10 % of ...5 fen = ...0.5 fen
    idx = pick(13)
    r = big_revenue(idx.size)
    comfortable(idx, r)
    diff = r - prev[idx]
    prev[idx] = r - (diff - diff % 100 + 50)  # 1 % of ...50 fen = ...0.5 fen
    for k, rd_yuan_fen in ((14, 1_000_000_000), (15, 999_999_990), (16, 1_000_000_010),
                           (17, 999_999_995), (18, 999_999_994)):  # fmt: skip
        idx = pick(k)
        # revenue between 5M and rd / 15 %, so the ratio condition holds
        r = rng.integers(THRESHOLD_REVENUE, rd_yuan_fen * 100 // 15, idx.size, dtype=np.int64)
        comfortable(idx, r)
        rd[idx] = rd_yuan_fen
    for k, diff_fen in ((19, 10_000_000_000), (20, 9_999_999_900), (21, 10_000_000_100)):
        idx = pick(k)
        # previous between 1M and diff / 30 %, so growth >= 30 % holds
        p = rng.integers(100_000_000, diff_fen * 10 // 3, idx.size, dtype=np.int64)
        comfortable(idx, p + diff_fen)
        prev[idx] = p
    cols["dcmm_null"][edge] = False


def make_chunk(
    start: int, n: int, seed: int, chunk_index: int, edge_fraction: float
) -> tuple[pa.Table, np.ndarray]:
    """Rows [start, start + n): the population table and the kind code of each row."""
    rng = np.random.default_rng([seed, chunk_index])
    cols = _ordinary(n, rng)
    kind = np.zeros(n, dtype=np.int8)
    n_edge = round(n * edge_fraction)
    if n_edge:
        where = rng.choice(n, n_edge, replace=False)
        kind[where] = EDGE_KINDS[np.arange(n_edge) % EDGE_KINDS.size]  # every kind, evenly
        _seed_edges(cols, kind, rng)
    rows = np.arange(start, start + n, dtype=np.int64)
    table = pa.table({
        "credit_code": credit_codes(rows, seed, rng),
        "software_enterprise": pa.array(cols["software"]),
        "revenue": fen_to_decimal(cols["revenue"]),
        "revenue_previous_year": fen_to_decimal(cols["previous"], cols["previous_null"]),
        "rd_expense": fen_to_decimal(cols["rd"]),
        "dcmm_level": pa.array(cols["dcmm"], pa.int8(), mask=cols["dcmm_null"]),
    })  # fmt: skip
    return table, kind


def kinds_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".parquet") + ".kinds.parquet")


def write_population(
    path: Path, rows: int, seed: int, *, edge_fraction: float = 0.04,
    chunk_rows: int = 1_000_000,
) -> Path:  # fmt: skip
    """Write ``rows`` enterprises to ``path`` (Parquet) and the kinds sidecar next to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    ktmp = kinds_path(tmp)
    writer = kwriter = None
    try:
        for chunk_index, start in enumerate(range(0, rows, chunk_rows)):
            n = min(chunk_rows, rows - start)
            table, kind = make_chunk(start, n, seed, chunk_index, edge_fraction)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
                kwriter = pq.ParquetWriter(ktmp, pa.schema([("kind", pa.int8())]))
            writer.write_table(table, row_group_size=n)
            kwriter.write_table(pa.table({"kind": kind}), row_group_size=n)
    finally:
        if writer is not None:
            writer.close()
            kwriter.close()
    # rename last, so an interrupted run never leaves a half-written file in the cache
    ktmp.replace(kinds_path(path))
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--edge-fraction", type=float, default=0.04)
    ap.add_argument("--chunk-rows", type=int, default=1_000_000)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    write_population(args.output, args.rows, args.seed,
                     edge_fraction=args.edge_fraction, chunk_rows=args.chunk_rows)  # fmt: skip
    print(f"wrote {args.rows:,} rows to {args.output} (+ {kinds_path(args.output).name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
