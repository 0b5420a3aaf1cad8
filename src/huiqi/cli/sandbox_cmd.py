"""Sandbox commands: `huiqi population`, `huiqi simulate`, and `huiqi screen DIR`.

`population` and `simulate` are click commands registered on the main group with
`main.add_command(...)`; until then they run as `python -m huiqi.cli.sandbox_cmd ...`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from huiqi.cli.options import fail_input, get_policy
from huiqi.policies import DEFAULT_POLICY_ID
from huiqi.rules.errors import InputError
from huiqi.rules.policy import Policy


def screen_registry(
    policy: Policy,
    directory: Path,
    output_path: Path,
    fiscal_year: int | None,
    as_of: dt.date | None,
    errors_path: Path | None,
    progress: bool | None,
) -> None:
    """`huiqi screen DIR -o OUT`: every measure over a registry directory."""
    from huiqi.rules.money import format_wan, format_yuan
    from huiqi.screening.registry_screen import default_errors_path, screen_directory

    try:
        report = screen_directory(
            policy,
            directory,
            output_path,
            as_of=as_of,
            fiscal_year=fiscal_year,
            errors_path=errors_path,
            progress=progress,
        )
    except InputError as exc:
        fail_input(exc)
        return
    click.echo(
        f"筛查完成：{report.cases:,} 个案例（企业×年度），坏案例 {report.bad_cases:,}，"
        f"用时 {report.seconds:.1f} 秒",
        err=True,
    )
    for mid, fen in report.totals_fen.items():
        counts = report.counts.get(mid, {})
        if not fen and not any(counts.values()):
            continue
        parts = [f"符合 {counts.get('eligible', 0):,} 项，{format_yuan(fen)}（{format_wan(fen)}）"]
        if counts.get("discretionary"):
            parts.append(f"待评审 {counts['discretionary']:,} 项")
        if counts.get("excluded"):
            parts.append(f"就高不重复排除 {counts['excluded']:,} 项")
        click.echo(f"  {mid} {policy.measures[mid].title}：" + "，".join(parts), err=True)
    click.echo(
        f"  合计：{format_yuan(report.total_fen)}（{format_wan(report.total_fen)}）", err=True
    )
    if report.problems:
        shown = errors_path or default_errors_path(output_path)
        click.echo(f"问题报告：{shown}（共 {len(report.problems):,} 条，前 5 条如下）", err=True)
        for p in report.problems[:5]:
            click.echo(f"  {p.table} 第 {p.row} 行 {p.field}: {p.message} [{p.rule}]", err=True)


@click.command()
@click.option("-n", "--firms", type=click.IntRange(min=1), required=True, help="企业数。")
@click.option("--seed", type=int, default=2024, show_default=True, help="随机种子。")
@click.option(
    "--years",
    default="2023",
    show_default=True,
    help="会计年度，逗号分隔（如 2023,2024）；申报日为次年 6 月 30 日。",
)
@click.option(
    "--chunk",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="每个分片的企业数（内存上限随之）。",
)
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="输出目录（六张表，每张表按分片写 Parquet）。",
)
def population(firms: int, seed: int, years: str, chunk: int, out: Path) -> None:
    """生成带种子的合成企业名录（政策沙盘和批量筛查的输入），地区分布取自政策包。

    \b
    示例：huiqi population -n 1000000 --seed 2024 -o pop/
    各分布的来源与假设见 docs/sandbox.md。
    """
    from huiqi.sandbox.population import PopulationSpec, write_population
    from huiqi.screening.screen import _progress

    try:
        year_list = tuple(int(y) for y in years.split(","))
    except ValueError:
        fail_input(
            InputError.single("--years", "integer", f"年度应为逗号分隔的整数，收到 {years!r}")
        )
        return
    spec = PopulationSpec(firms=firms, seed=seed, years=year_list, chunk=chunk)
    with _progress(sys.stderr.isatty(), firms) as advance:
        names = write_population(spec, out, progress=advance)
    click.echo(f"已生成 {firms:,} 家企业（{len(names)} 个分片，年度 {years}）：{out}", err=True)


@click.command()
@click.option(
    "--population",
    "pop",
    required=True,
    type=click.Path(path_type=Path),
    help="企业名录目录（huiqi population 的输出，或同样六张表）。",
)
@click.option(
    "--reform",
    "reform_path",
    required=True,
    type=click.Path(path_type=Path),
    help="改革方案 YAML（name / description / parameters / disable）。",
)
@click.option(
    "--cluster",
    default="local",
    show_default=True,
    help="Dask：local（本机 LocalCluster，--workers 个进程）、调度器地址 tcp://host:8786，"
    "或 none（单进程，不用 Dask）。",
)
@click.option("--workers", default=2, show_default=True, help="--cluster local 的进程数。")
@click.option(
    "--pools",
    "pools_path",
    type=click.Path(path_type=Path),
    default=None,
    help="资金池 YAML（默认使用内置假设额度）。",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(path_type=Path),
    default=None,
    help="输出目录：Excel 工作簿与图表（PNG、HTML）。",
)
@click.option("--fiscal-year", type=int, default=None, help="名录缺 fiscal_year 列时使用。")
@click.option("--as-of", default=None, help="名录缺 as_of 列时使用（YYYY-MM-DD）。")
@click.option("--policy", "policy_id", default=DEFAULT_POLICY_ID, show_default=True)
def simulate(
    pop: Path,
    reform_path: Path,
    cluster: str,
    workers: int,
    pools_path: Path | None,
    outdir: Path | None,
    fiscal_year: int | None,
    as_of: str | None,
    policy_id: str,
) -> None:
    """政策沙盘：基线与改革方案对比（按措施、区、年度；得益/受损企业；预算压力）。

    \b
    示例：
      huiqi simulate --population pop/ --reform reform.yaml -o out/   # Dask LocalCluster
      huiqi simulate --population pop/ --reform reform.yaml --cluster none   # 单进程
      huiqi simulate --population /nfs/pop --reform r.yaml --cluster tcp://10.0.0.5:8786
    """
    from huiqi.sandbox.reform import load_reform
    from huiqi.sandbox.report import (
        build_tables,
        load_pools,
        print_report,
        write_charts,
        write_excel,
    )
    from huiqi.sandbox.simulate import Run, simulate_directory
    from huiqi.screening.screen import _progress

    policy = get_policy(policy_id)
    try:
        when = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail_input(InputError.single("--as-of", "date", f"日期无效：{as_of!r}（YYYY-MM-DD）"))
        return
    try:
        reform = load_reform(reform_path)
        reform.apply(policy)  # reject a bad reform before any work
        pools = load_pools(pools_path)
        run = Run(policy_id, reform, when, fiscal_year)
        from huiqi.screening.registry_screen import discover_parts

        total = sum(_rows(p["enterprises"]) for p in discover_parts(pop))
        with _progress(sys.stderr.isatty(), total) as advance:
            if cluster != "none":
                from huiqi.sandbox.distributed import simulate_dask

                summary = simulate_dask(run, pop, cluster=cluster, workers=workers, advance=advance)
            else:
                summary = simulate_directory(run, pop, advance=advance)
    except InputError as exc:
        fail_input(exc)
        return
    tables = build_tables(summary, policy, reform, pools)
    print_report(tables)
    if outdir is not None:
        outdir.mkdir(parents=True, exist_ok=True)
        write_excel(tables, outdir / "sandbox.xlsx")
        charts = write_charts(tables, outdir, reform.name)
        click.echo(f"Excel：{outdir / 'sandbox.xlsx'}", err=True)
        click.echo("图表：" + "，".join(str(c) for c in charts), err=True)
    if summary.problems:
        click.echo(f"注意：{summary.bad_cases:,} 个案例有坏值，已剔除；例如：", err=True)
        for _table, source, row, field, rule, msg in summary.problems[:5]:
            click.echo(f"  {source} 第 {row} 行 {field}: {msg} [{rule}]", err=True)


def _rows(path: Path | None) -> int:
    import pyarrow.parquet as pq

    return 0 if path is None else int(pq.ParquetFile(path).metadata.num_rows)


@click.group()
def sandbox() -> None:
    """惠企政策沙盘：合成名录与改革模拟。"""


sandbox.add_command(population)
sandbox.add_command(simulate)

if __name__ == "__main__":
    sandbox()
