"""2.6.1–2.6.3 hand-written in plain numpy int64 fen: the fastest honest contender.

Exact by construction: money stays in int64 fen end to end (decimal128 ↔ fen without
float, see arrowfen.py), thresholds are integer cross-multiplications and half-up rounding
is integer arithmetic. The only way to be wrong is int64 overflow, so ``compute`` refuses
inputs whose products could exceed 2^63 instead of wrapping silently.

    python benchmarks/numpy_handwritten.py INPUT.parquet -o OUT.parquet
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from arrowfen import WRITE_OPTIONS, decimal_to_fen, fen_to_decimal, int8_filled

MIN_REVENUE = 5_000_000_00  # fen
RD_INTENSITY = (15, 100)  # rd / revenue ≥ 15 %
RD_RATE = (10, 100)
RD_CAP = 1_000_000_00
GROWTH = (30, 100)
GROWTH_RATE = (1, 100)
GROWTH_CAP = 1_000_000_00
DCMM_FEN = np.array([0, 0, 0, 200_000_00, 300_000_00, 500_000_00], dtype=np.int64)
# Largest amount for which amount × 200 (the biggest multiplier used below) fits in int64.
SAFE_MAX = (2**63 - 1) // 200


def half_up(amount: np.ndarray, rate: tuple[int, int]) -> np.ndarray:
    """amount × num/den rounded half-up to the fen, for amount ≥ 0, in integers."""
    num, den = rate
    return (2 * amount * num + den) // (2 * den)


def compute(
    software: np.ndarray, revenue: np.ndarray, previous: np.ndarray, previous_known: np.ndarray,
    rd: np.ndarray, dcmm: np.ndarray,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Awards in int64 fen. ``dcmm`` int8 with 0 for none/unknown; fen arrays int64."""
    for a in (revenue, previous, rd):
        if a.size and (a.max() > SAFE_MAX or a.min() < -SAFE_MAX):
            raise OverflowError("amount too large for exact int64 arithmetic")
    big = software & (revenue >= MIN_REVENUE)
    num, den = RD_INTENSITY
    ok1 = big & (rd * den >= revenue * num)
    a1 = np.where(ok1, np.minimum(half_up(np.maximum(rd, 0), RD_RATE), RD_CAP), 0)
    growth = revenue - previous
    num, den = GROWTH
    ok2 = big & previous_known & (previous > 0) & (growth * den >= previous * num)
    a2 = np.where(ok2, np.minimum(half_up(np.maximum(growth, 0), GROWTH_RATE), GROWTH_CAP), 0)
    level = np.where((dcmm >= 0) & (dcmm <= 5), dcmm, 0)
    a3 = np.where(software, DCMM_FEN[level], 0)
    return {"award_2_6_1": a1, "award_2_6_2": a2, "award_2_6_3": a3, "award_total": a1 + a2 + a3}


def columns_from_table(table: pa.Table) -> dict[str, np.ndarray]:
    """Input table → the numpy arrays ``compute`` takes (nulls made explicit)."""
    sw = table["software_enterprise"]
    # fill_null only when needed: the first pyarrow.compute call costs ~0.4 s of set-up
    software = (sw.fill_null(False) if sw.null_count else sw).to_numpy()
    revenue, rev_null = decimal_to_fen(table["revenue"])
    previous, prev_null = decimal_to_fen(table["revenue_previous_year"])
    rd, rd_null = decimal_to_fen(table["rd_expense"])
    known = np.ones(len(table), bool)
    if rev_null is not None:
        revenue = np.where(rev_null, -1, revenue)  # unknown revenue never reaches 5,000,000
    if rd_null is not None:
        rd = np.where(rd_null, -1, rd)  # -1 fen never reaches 15 % of a positive revenue
    if prev_null is not None:
        known = ~prev_null
    dcmm = int8_filled(table["dcmm_level"], 0)
    return {"software": software, "revenue": revenue, "previous": previous,
            "previous_known": known, "rd": rd, "dcmm": dcmm}  # fmt: skip


def screen_file(src: Path, dst: Path) -> dict[str, float]:
    """End to end: Parquet in, awards Parquet (decimal(18,2)) out. Returns phase seconds.

    Streams one row group at a time (memory ~ one chunk, whatever N is) and overlaps I/O
    with arithmetic: the next row group is read and the previous result written in
    background threads (pyarrow releases the GIL), so on 2 cores the Parquet decode and
    encode, not the rules, set the pace. "read"/"write" are the time spent *waiting*.
    """
    times: dict[str, float] = {"read": 0.0, "convert": 0.0, "compute": 0.0, "write": 0.0}
    pf = pq.ParquetFile(src)
    writer: pq.ParquetWriter | None = None
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as writing:
        pending_read = reader.submit(pf.read_row_group, 0) if pf.num_row_groups else None
        pending_write = None
        try:
            for i in range(pf.num_row_groups):
                t0 = time.perf_counter()
                table = pending_read.result()
                if i + 1 < pf.num_row_groups:
                    pending_read = reader.submit(pf.read_row_group, i + 1)
                t1 = time.perf_counter()
                cols = columns_from_table(table)
                t2 = time.perf_counter()
                awards = compute(**cols)
                t3 = time.perf_counter()
                out = pa.table({"credit_code": table["credit_code"],
                                **{k: fen_to_decimal(v) for k, v in awards.items()}})  # fmt: skip
                if writer is None:
                    writer = pq.ParquetWriter(dst, out.schema, **WRITE_OPTIONS)
                if pending_write is not None:
                    pending_write.result()  # keep row groups in order
                pending_write = writing.submit(writer.write_table, out)
                t4 = time.perf_counter()
                for k, a, b in (("read", t0, t1), ("convert", t1, t2), ("compute", t2, t3),
                                ("write", t3, t4)):  # fmt: skip
                    times[k] += b - a
            t0 = time.perf_counter()
            if pending_write is not None:
                pending_write.result()
        finally:
            if writer is not None:
                writer.close()
        times["write"] += time.perf_counter() - t0 if pf.num_row_groups else 0.0
    return times


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="screen 2.6.1–2.6.3 with hand-written numpy")
    ap.add_argument("input", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    print(json.dumps(screen_file(args.input, args.output)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
