"""Benchmark: the policy sandbox at 1M / 10M (/ 50M) firms. It reports, never fails.

    .venv/bin/python benchmarks/bench_sandbox.py --sizes 1000000 10000000

For each size, on one seeded synthetic Wuhan registry (`huiqi population`, cached in
benchmarks/data/), side by side in one run, each contender in its own process (wall time and
peak RSS of its whole process tree, via bench_screen.run_measured):

- screen            `huiqi screen DIR -o OUT`: one full-policy bulk screen (every measure)
- simulate          `huiqi simulate` baseline + reform, single process, with report/Excel/charts
- simulate-dask     the same on a Dask LocalCluster (2 worker processes)
- huiqi-2.6.x       baseline + reform of 2.6.1–2.6.3 only, on the flat 2.6.x file
- openfisca-2.6.x   OpenFisca's Reform workflow on the same flat file and rules
                    (benchmarks/openfisca_wuhan.py: baseline system + WuhanReform, float32)

The full simulate uses the issue's reform (2.6.1 cap 200万, R&D threshold 10 %, window to
2026-05-31, 2.6.3 off); the two 2.6.x contenders use OpenFisca's WuhanReform (cap 200万,
threshold 10 %), so they compute the same thing. Results go to
benchmarks/results/sandbox-<UTC date>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
REFORM_YAML = """name: 研发补助提标
description: 2.6.1 上限 200 万元，研发占比门槛 10%，有效期延长至 2026-05-31，停止 DCMM 奖励
parameters:
  m2_6_1.cap: 2000000
  m2_6_1.rd_ratio: 0.10
  window.end: 2026-05-31
disable: [2.6.3]
"""
FLAT_REFORM = {"m2_6_1.cap": 2_000_000, "m2_6_1.rd_ratio": "0.10"}  # = openfisca WuhanReform
CONTENDERS = ("screen", "simulate", "simulate-dask", "huiqi-2.6.x", "openfisca-2.6.x")


def population_dir(firms: int, seed: int, data: Path) -> Path:
    out = data / f"sandbox-{firms}-seed{seed}"
    if not (out / "population.json").exists():
        from huiqi.sandbox.population import PopulationSpec, write_population

        t0 = time.perf_counter()
        write_population(PopulationSpec(firms=firms, seed=seed), out)
        print(f"  population written in {time.perf_counter() - t0:.1f} s: {out}", flush=True)
    return out


def flat_file(pop: Path) -> Path:
    """The 2.6.x screening input derived from the registry, one row group per part:
    revenue / R&D of 2023, revenue of 2022, the highest DCMM level recognised."""
    out = pop.with_name(pop.name + "-flat.parquet")
    if out.exists():
        return out
    tmp = out.with_name(out.name + ".partial")
    writer = None
    for part in sorted((pop / "enterprises").glob("*.parquet")):
        ent = pq.read_table(part, columns=["credit_code", "software_enterprise"])
        ann = pq.read_table(pop / "annual" / part.name)
        rec = pq.read_table(pop / "recognitions" / part.name)
        this = ann.filter(pc.equal(ann["year"], 2023)).select(
            ["credit_code", "revenue", "rd_expense"]
        )
        prev = ann.filter(pc.equal(ann["year"], 2022)).select(["credit_code", "revenue"])
        prev = prev.rename_columns(["credit_code", "revenue_previous_year"])
        dcmm = rec.filter(pc.equal(rec["kind"], "dcmm"))
        dcmm = pa.table(
            {"credit_code": dcmm["credit_code"], "dcmm_level": pc.cast(dcmm["level"], pa.int8())}
        )
        dcmm = dcmm.group_by("credit_code").aggregate([("dcmm_level", "max")])
        dcmm = dcmm.rename_columns(["credit_code", "dcmm_level"])
        t = ent.join(this, "credit_code").join(prev, "credit_code").join(dcmm, "credit_code")
        t = t.select(
            [
                "credit_code",
                "software_enterprise",
                "revenue",
                "revenue_previous_year",
                "rd_expense",
                "dcmm_level",
            ]
        )
        if writer is None:
            writer = pq.ParquetWriter(tmp, t.schema)
        writer.write_table(t)
    assert writer is not None
    writer.close()
    tmp.replace(out)
    return out


# -- child modes (run in their own process by the harness) --------------------------------


def child_huiqi_flat(src: Path) -> dict[str, object]:
    """huiqi on the flat file: baseline and reform of 2.6.1–2.6.3, streamed by row group,
    reduced to exact totals and gainers/losers (what the reform workflow needs)."""
    from huiqi.policies import load_policy
    from huiqi.screening.flat import flat_layout, flat_part
    from huiqi.screening.registry import RowsCache, evaluate_rows
    from huiqi.screening.screen import read_batches

    baseline = load_policy()
    reform = baseline.with_parameters(FLAT_REFORM)
    as_of = dt.date(2024, 6, 30)
    totals = {"baseline": 0, "reform": 0, "gaining": 0, "losing": 0}
    layout = flat_layout(baseline)
    batches, _ = read_batches(layout, src, 1_000_000)
    for batch in batches:
        part, problems = flat_part(baseline, layout, batch, 2023, as_of)
        cache = RowsCache(part)
        good = ~problems.bad
        per = [np.zeros(batch.num_rows, dtype=np.int64) for _ in range(2)]
        for mid in layout.measures:
            spec, reformed = baseline.measures[mid], reform.measures[mid]
            before = evaluate_rows(baseline, spec, cache.get(baseline, spec), part)
            np.add.at(per[0], before.case, before.amount)
            # as huiqi simulate does: a measure none of whose parameters the reform changes
            # keeps its baseline result (exact: the evaluation is a function of those inputs)
            rows = cache.get(reform, reformed)
            after = (
                before
                if before.holds_under(reform, reformed, rows)
                else evaluate_rows(reform, reformed, rows, part)
            )
            np.add.at(per[1], after.case, after.amount)
        per = [np.where(good, firm, 0) for firm in per]
        totals["baseline"] += int(per[0].sum())
        totals["reform"] += int(per[1].sum())
        totals["gaining"] += int((per[1] > per[0]).sum())
        totals["losing"] += int((per[1] < per[0]).sum())
    return totals


def child_openfisca(src: Path) -> dict[str, object]:
    """OpenFisca's reform workflow: one simulation of the baseline system and one of the
    reformed system over the whole population (float32, its default)."""
    sys.path.insert(0, str(HERE))
    from openfisca_wuhan import build_reform, build_tax_benefit_system, inputs_from_table, to_fen
    from openfisca_wuhan import simulate as of_simulate

    inputs = inputs_from_table(pq.read_table(src))
    base = to_fen(of_simulate(build_tax_benefit_system(), inputs)["award_total"])
    ref = to_fen(of_simulate(build_reform(), inputs)["award_total"])
    return {
        "baseline": int(base.sum()),
        "reform": int(ref.sum()),
        "gaining": int((ref > base).sum()),
        "losing": int((ref < base).sum()),
    }


def command(contender: str, pop: Path, flat: Path, work: Path) -> list[str]:
    reform = work / "reform.yaml"
    reform.write_text(REFORM_YAML, encoding="utf-8")
    if contender == "screen":
        huiqi = str(Path(PY).with_name("huiqi"))
        return [huiqi, "screen", str(pop), "-o", str(work / "awards.parquet"), "--no-progress"]
    if contender.startswith("simulate"):
        cmd = [
            PY,
            "-m",
            "huiqi.cli.sandbox_cmd",
            "simulate",
            "--population",
            str(pop),
            "--reform",
            str(reform),
            "-o",
            str(work / contender),
        ]
        return [*cmd, "--cluster", "local" if contender == "simulate-dask" else "none"]
    mode = "huiqi-flat" if contender == "huiqi-2.6.x" else "openfisca"
    return [PY, str(Path(__file__).resolve()), "--child", mode, str(flat)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=CONTENDERS)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--results", type=Path, default=None)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, src = args.child
        fn = child_huiqi_flat if mode == "huiqi-flat" else child_openfisca
        print(json.dumps(fn(Path(src))))
        return 0

    sys.path.insert(0, str(HERE))
    from bench_screen import run_measured

    args.data.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    started = dt.datetime.now(dt.UTC)
    for firms in args.sizes:
        print(f"{firms:,} firms", flush=True)
        pop = population_dir(firms, args.seed, args.data)
        flat = flat_file(pop) if {"huiqi-2.6.x", "openfisca-2.6.x"} & set(args.contenders) else pop
        for contender in args.contenders:
            with tempfile.TemporaryDirectory(dir=args.data) as tmp:
                work = Path(tmp)
                cmd = command(contender, pop, flat, work)
                # (exit, wall, [cpu,] peak RSS MB, others' CPU share, stdout)
                res = run_measured(cmd, work / "log.txt")
                code, wall, rss, others, out = res[0], res[1], res[-3], res[-2], res[-1]
                err = (work / "log.err").read_text(errors="replace") if code else ""
            result = {
                "firms": firms,
                "contender": contender,
                "exit": code,
                "wall": wall,
                "rss_mb": rss,
                "others": others,
                "out": out.strip()[-300:],
                "err": err[-500:],
            }
            rows.append(result)
            print(
                f"  {contender:16s} exit {code}  {wall:8.1f} s  {rss:8.0f} MB  "
                f"(others' CPU {others:.0%})",
                flush=True,
            )
    path = args.results or HERE / "results" / f"sandbox-{started:%Y-%m-%d}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(rows, args, started), encoding="utf-8")
    print(f"results: {path}")
    return 0


def render(rows: list[dict[str, object]], args: argparse.Namespace, started: dt.datetime) -> str:
    from bench_screen import git_head  # benchmarks/ is on sys.path when this runs

    commit = git_head()
    lines = [
        f"# Policy sandbox benchmark — {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_sandbox.py --sizes "
        f"{' '.join(map(str, args.sizes))}`",
        "",
        f"Machine: {platform.node() or 'vm'}, 2 cores, Python {platform.python_version()}, "
        f"huiqi at {commit}. Seed {args.seed}, fiscal year 2023, as_of 2024-06-30. Peak RSS is "
        "the whole process tree (Dask scheduler and workers included).",
        "",
        "| firms | contender | wall s | peak RSS MB | ÷ screen | ÷ huiqi-2.6.x | "
        "others' CPU | result |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for firms in args.sizes:
        mine = {r["contender"]: r for r in rows if r["firms"] == firms}
        screen = mine.get("screen", {}).get("wall")
        flat = mine.get("huiqi-2.6.x", {}).get("wall")
        for r in mine.values():
            wall = float(r["wall"])  # type: ignore[arg-type]
            res = _result(r) if r["exit"] == 0 else f"FAILED (exit {r['exit']}): {r['err']}"
            vs_screen = f"{wall / float(screen):.2f}" if screen else "—"  # type: ignore[arg-type]
            vs_flat = f"{wall / float(flat):.2f}" if flat else "—"  # type: ignore[arg-type]
            rss = float(r["rss_mb"])  # type: ignore[arg-type]
            others = float(r["others"])  # type: ignore[arg-type]
            lines.append(
                f"| {firms:,} | {r['contender']} | {wall:.1f} | {rss:,.0f} | {vs_screen} | "
                f"{vs_flat} | {others:.0%} | {res} |"
            )
    lines += ["", "See docs/sandbox.md (Benchmark) for what each contender does."]
    return "\n".join(lines) + "\n"


def _result(r: dict[str, object]) -> str:
    out = str(r["out"]).strip().splitlines()
    try:
        d = json.loads(out[-1]) if out else {}
    except json.JSONDecodeError:
        return ""
    if not isinstance(d, dict) or "baseline" not in d:
        return ""
    from huiqi.rules.money import format_wan

    return (
        f"baseline {format_wan(int(d['baseline']))}, reform {format_wan(int(d['reform']))}, "
        f"gaining {int(d['gaining']):,}, losing {int(d['losing']):,}"
    )


if __name__ == "__main__":
    sys.exit(main())
