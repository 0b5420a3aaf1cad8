"""Benchmark: bulk 2.6.1–2.6.3 screening, huiqi vs OpenFisca (float32/float64) vs numpy.

    .venv/bin/python benchmarks/bench_screen.py --sizes 1000000 10000000

For each size: write (or reuse) a seeded population in benchmarks/data/, compute the exact
reference once (cached), then run every contender end to end in its OWN subprocess — so
``os.wait4`` gives that process's peak RSS and nothing else — and count the rows whose
output differs from the reference by at least one fen. It reports; it never fails.
The table is printed and saved to benchmarks/results/screen-<UTC date>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from arrowfen import decimal_to_fen
from exact_reference import AWARDS, cached_reference
from population import KINDS, kinds_path, write_population

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
FISCAL_YEAR, AS_OF = "2023", "2024-06-30"
CONTENDERS = ("huiqi", "openfisca-float32", "openfisca-float64", "numpy")
BASELINES: dict[str, list[str]] = {}  # "huiqi@<rev>" -> its command (--baseline)
# The brief allows dropping these two in the benchmark's own processes only.
DROP_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


@dataclass
class Result:
    contender: str
    rows: int
    wall: float | None = None
    phases: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    wrong: int | None = None
    wrong_edge: int | None = None
    wrong_by_award: dict[str, int] = field(default_factory=dict)
    flips: int | None = None  # rows where some measure is paid/unpaid the wrong way
    wrong_by_kind: dict[int, int] = field(default_factory=dict)
    note: str = ""
    wall_median: float | None = None
    cpu: float | None = None  # user + system seconds of the contender, fastest of the runs
    others_cpu: float = 0.0  # share of the machine's CPU used by OTHER processes meanwhile


def huiqi_command() -> list[str] | None:
    """The ``huiqi`` console script next to this interpreter (or on PATH), if it screens."""
    exe = Path(PY).with_name("huiqi")
    cmd = [str(exe)] if exe.exists() else ([w] if (w := shutil.which("huiqi")) else None)
    if cmd is None:
        return None
    probe = subprocess.run([*cmd, "screen", "--help"], capture_output=True, text=True,
                           env=child_env(), timeout=120, check=False)  # fmt: skip
    return cmd if probe.returncode == 0 else None


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def baseline_command(rev: str, dest: Path) -> list[str]:
    """`huiqi` as it was at commit `rev`: its src/ from `git archive`, run by this interpreter
    (same packages), so "no worse than before" is measured in the same run, not against a
    figure from another day on a machine whose speed varies by a third between sessions."""
    tree = dest / f"huiqi-{rev}"
    if not tree.exists():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", rev, "src"], cwd=REPO, capture_output=True,
                                 check=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    boot = (f"import sys; sys.path.insert(0, {str(tree / 'src')!r}); "
            "from huiqi.cli.main import main; sys.argv[0] = 'huiqi'; sys.exit(main())")  # fmt: skip
    return [PY, "-c", boot]


def command_for(contender: str, src: Path, dst: Path, huiqi: list[str] | None) -> list[str]:
    if contender.startswith("huiqi@"):
        huiqi = BASELINES[contender]
    if contender == "huiqi" or contender.startswith("huiqi@"):
        assert huiqi is not None
        return [*huiqi, "screen", str(src), "-o", str(dst),
                "--fiscal-year", FISCAL_YEAR, "--as-of", AS_OF]  # fmt: skip
    if contender == "numpy":
        return [PY, str(HERE / "numpy_handwritten.py"), str(src), "-o", str(dst)]
    width = ["--float64"] if contender == "openfisca-float64" else []
    return [PY, str(HERE / "openfisca_wuhan.py"), str(src), "-o", str(dst), *width]


def run_measured(cmd: list[str], log: Path) -> tuple[int, float, float, float, float, str]:
    """Run ``cmd`` via measure_child.py.

    Returns (exit code, wall s, CPU s, peak RSS MB, others' CPU share, stdout). The share is the
    machine's busy CPU time during the run minus the contender's own, over wall × cores:
    on a shared 2-core machine it says whether a timing was disturbed.

    Peak RSS is the larger of the kernel's ru_maxrss for the contender process (wait4 in
    the small launcher; it also folds in any children the contender reaped) and a 20 ms
    poll of the summed RSS of the contender's process tree (which catches workers running
    in parallel, whose peaks ru_maxrss would not add up).
    """
    import psutil

    stats = log.with_suffix(".json")
    launcher = [PY, str(HERE / "measure_child.py"), str(stats), "--", *cmd]
    busy0 = _busy_cpu()
    with open(log, "wb") as out, open(log.with_suffix(".err"), "wb") as err:
        proc = subprocess.Popen(launcher, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=child_env(), cwd=REPO)  # fmt: skip
        peak = [0]
        done = threading.Event()

        def poll() -> None:
            try:
                launcher_proc = psutil.Process(proc.pid)
                while not done.is_set():
                    try:
                        tree = launcher_proc.children(recursive=True)
                        peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree))
                    except psutil.Error:
                        pass
                    done.wait(0.02)
            except psutil.Error:
                pass

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        proc.wait()
        done.set()
        poller.join()
    m = json.loads(stats.read_text())
    rss = max(m["maxrss_kib"] * 1024, peak[0]) / 2**20  # ru_maxrss is in KiB on Linux
    others = (_busy_cpu() - busy0 - m["cpu"]) / (m["wall"] * (os.cpu_count() or 1))
    out = log.read_text(errors="replace")
    return m["exit"], m["wall"], m["cpu"], rss, max(others, 0.0), out


def _busy_cpu() -> float:
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0)


def output_fen(path: Path, codes: pa.ChunkedArray) -> tuple[dict[str, np.ndarray], np.ndarray, str]:
    """Awards in fen aligned to the population rows; mask of rows missing from the output."""
    out = pq.read_table(path)
    note = []
    if out.num_rows == len(codes) and out["credit_code"].equals(codes):
        take = None
        missing = np.zeros(len(codes), bool)
    else:  # align by credit code (codes are unique)
        note.append("rows re-aligned by credit_code")
        pos = pc.index_in(codes, value_set=out["credit_code"].combine_chunks())
        missing = pos.is_null().to_numpy(zero_copy_only=False)
        take = pos.fill_null(0)
    fen = {}
    for name in AWARDS:
        col = out[name]
        if not (pa.types.is_decimal(col.type) and col.type.scale == 2):
            note.append(f"{name} is {col.type}, not decimal(18,2)")
            col = pc.cast(col, pa.decimal128(18, 2), safe=False)
        if col.type != pa.decimal128(18, 2):
            col = pc.cast(col, pa.decimal128(18, 2))
        if take is not None:
            col = col.take(take)
        values, nulls = decimal_to_fen(col)
        if nulls is not None:
            missing = missing | nulls  # a null award is not an amount: count it wrong
        fen[name] = values
    return fen, missing, "; ".join(note)


def score(result: Result, out: Path, codes: pa.ChunkedArray, ref: dict[str, np.ndarray],
          kinds: np.ndarray) -> None:  # fmt: skip
    fen, missing, note = output_fen(out, codes)
    wrong = missing.copy()
    flipped = missing.copy()
    for name in AWARDS[:3]:
        flipped |= (fen[name] > 0) != (ref[name] > 0)
    result.flips = int(flipped.sum())
    for name in AWARDS:
        w = (fen[name] != ref[name]) | missing
        result.wrong_by_award[name] = int(w.sum())
        wrong |= w
    result.wrong = int(wrong.sum())
    result.wrong_edge = int((wrong & (kinds > 0)).sum())
    counts = np.bincount(kinds[wrong], minlength=len(KINDS))
    result.wrong_by_kind = {k: int(c) for k, c in enumerate(counts) if c}
    if note:
        result.note = (result.note + "; " + note).strip("; ")


def prepare(rows: int, seed: int, data: Path) -> tuple[Path, dict[str, np.ndarray], np.ndarray]:
    pop = data / f"population-{rows}-seed{seed}.parquet"
    if not pop.exists():
        t0 = time.perf_counter()
        write_population(pop, rows, seed)
        print(f"  population written in {time.perf_counter() - t0:.1f} s: {pop}", flush=True)
    t0 = time.perf_counter()
    ref = cached_reference(pop, data / f"reference-{rows}-seed{seed}.parquet")
    print(f"  exact reference ready in {time.perf_counter() - t0:.1f} s", flush=True)
    kinds = pq.read_table(kinds_path(pop))["kind"].to_numpy()
    return pop, ref, kinds


def bench_size(rows: int, args: argparse.Namespace, huiqi: list[str] | None) -> list[Result]:
    """Run every contender ``args.repeat`` times, round-robin, and keep its fastest run.

    Round-robin so that background load hits all contenders alike; the minimum wall (as
    timeit does) because on a shared machine noise only ever adds time. The median is kept
    too, and the report says how much CPU other processes took during the kept run.
    """
    print(f"== {rows:,} enterprises", flush=True)
    pop, ref, kinds = prepare(rows, args.seed, args.data_dir)
    codes = pq.read_table(pop, columns=["credit_code"])["credit_code"]
    pq.read_table(pop)  # warm the page cache so the first contender is not penalised
    results = {c: Result(c, rows) for c in args.contenders}
    runs: dict[str, list[tuple[float, float, float, dict[str, float], float]]] = {
        c: [] for c in args.contenders
    }
    if "huiqi" in results and huiqi is None:
        results["huiqi"].note = "skipped: `huiqi screen` is not available yet"
    for rep in range(args.repeat):
        for contender, r in results.items():
            if r.note.startswith(("skipped", "failed")):
                continue
            with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
                out = Path(tmp) / "out.parquet"
                code, wall, cpu, peak, others, stdout = run_measured(
                    command_for(contender, pop, out, huiqi), Path(tmp) / "log.txt"
                )
                if code != 0 or not out.exists():
                    err = Path(tmp, "log.err").read_text(errors="replace")[-800:]
                    r.note = f"failed (exit {code}): {err.strip()}"
                    continue
                phases = {}
                if not contender.startswith("huiqi"):
                    phases = json.loads(stdout.strip().splitlines()[-1])
                runs[contender].append((wall, peak, others, phases, cpu))
                if r.wrong is None:
                    score(r, out, codes, ref, kinds)
            print(f"  run {rep + 1}: {contender}: wall {wall:.2f} s, cpu {cpu:.2f} s, "
                  f"peak {peak:.0f} MB, "
                  f"wrong {r.wrong}, others' CPU {others:.0%}", flush=True)  # fmt: skip
    for contender, r in results.items():
        if runs[contender]:
            best = min(runs[contender], key=lambda run: run[0])
            r.wall, _, r.others_cpu, r.phases, _ = best
            r.cpu = min(run[4] for run in runs[contender])
            r.wall_median = float(np.median([run[0] for run in runs[contender]]))
            r.peak_rss_mb = max(run[1] for run in runs[contender])
        if r.note:
            print(f"  {contender}: {r.note}", flush=True)
    return list(results.values())


def fmt(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def render(results: list[Result], args: argparse.Namespace) -> str:
    lines = [
        f"# `huiqi screen` benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{' '.join(['.venv/bin/python', 'benchmarks/bench_screen.py', *sys.argv[1:]])}`",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" numpy {np.__version__}, pyarrow {pa.__version__}, openfisca-core {_of_version()}."
        f" Fiscal year {FISCAL_YEAR}, as_of {AS_OF}, seed {args.seed}, repeat {args.repeat}"
        f" (round-robin; min wall and its phases, max RSS). huiqi at commit {git_head()}.",
        "",
        "| rows | contender | wall s end to end, min (median) | wall ÷ huiqi | CPU s | CPU ÷ huiqi"
        " | compute s | peak RSS MB | rows wrong | of which edge rows | eligibility flips"
        " | 2.6.1 / 2.6.2 / 2.6.3 / total wrong | note |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for rows in sorted({r.rows for r in results}):
        group = [r for r in results if r.rows == rows]
        base = next((r for r in group if r.contender == "huiqi" and r.wall), None)
        for r in group:
            ratio = r.wall / base.wall if (r.wall and base) else None
            cpu_ratio = r.cpu / base.cpu if (r.cpu and base and base.cpu) else None
            per = " / ".join(str(r.wrong_by_award.get(a, "—")) for a in AWARDS)
            note = r.note
            if r.others_cpu > 0.05:  # others competed for the 2 cores: timing is pessimistic
                note = f"{note}; other processes used {r.others_cpu:.0%} of the CPU".lstrip("; ")
            lines.append(
                f"| {rows:,} | {r.contender} | {fmt(r.wall, '.2f')} "
                f"({fmt(r.wall_median, '.2f')}) | {fmt(ratio, '.2f')} | "
                f"{fmt(r.cpu, '.2f')} | {fmt(cpu_ratio, '.2f')} | "
                f"{fmt(r.phases.get('compute'), '.2f')} | {fmt(r.peak_rss_mb, '.0f')} | "
                f"{fmt(r.wrong, ',')} | {fmt(r.wrong_edge, ',')} | {fmt(r.flips, ',')} | "
                f"{per} | {note} |"
            )
    lines += [
        "",
        "A row is wrong if any award differs from the exact reference by at least one fen;"
        " an eligibility flip is a row where some measure is paid when it should not be, or"
        " not paid when it should (the rest of the wrong rows are amounts off by fen).",
        "",
        "Wrong rows by kind of edge row (kind 0 = ordinary rows):",
        "",
    ]
    for r in results:
        if r.wrong:
            by = ", ".join(f"{KINDS[k]}: {c:,}" for k, c in sorted(r.wrong_by_kind.items()))
            lines.append(f"- {r.rows:,} {r.contender}: {by}")
    lines += ["", "Phases (s) reported by the Python contenders themselves:", ""]
    for r in results:
        if r.phases:
            lines.append(f"- {r.rows:,} {r.contender}: "
                         + ", ".join(f"{k} {v:.2f}" for k, v in r.phases.items()))  # fmt: skip
    lines += ["", "See benchmarks/README.md for what each contender does and the caveats.", ""]
    return "\n".join(lines)


def git_head() -> str:
    """Commit of the huiqi tree benchmarked, flagged if src/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "-uno", "--", "src"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (+ uncommitted changes in src/)" if dirty else "")  # fmt: skip


def _of_version() -> str:
    from importlib.metadata import version

    return version("openfisca-core")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender, round-robin")
    ap.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    ap.add_argument("--data-dir", type=Path, default=HERE / "data")
    ap.add_argument(
        "--results",
        type=Path,
        default=None,
        help="Markdown file (default benchmarks/results/screen-<date>.md)",
    )
    ap.add_argument("--no-save", action="store_true", help="print the table only")
    ap.add_argument(
        "--baseline",
        metavar="REV",
        action="append",
        default=[],
        help="also run huiqi as of commit REV (git archive) in the same round-robin, as "
        "contender huiqi@REV: how this tree compares with an earlier one, same run",
    )
    args = ap.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    for rev in args.baseline:
        BASELINES[f"huiqi@{rev}"] = baseline_command(rev, args.data_dir / "baselines")
        args.contenders.insert(0, f"huiqi@{rev}")
    huiqi = huiqi_command() if "huiqi" in args.contenders else None
    if "huiqi" in args.contenders and huiqi is None:
        print("NOTE: `huiqi screen --help` does not run yet; huiqi is skipped.", flush=True)
    results = [r for n in args.sizes for r in bench_size(n, args, huiqi)]
    report = render(results, args)
    print(report)
    if not args.no_save:
        dest = args.results or HERE / "results" / f"screen-{dt.datetime.now(dt.UTC):%Y-%m-%d}.md"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(report, encoding="utf-8")
        print(f"saved {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
