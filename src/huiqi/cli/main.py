"""`huiqi`: evaluate, explain, screen, read the policy, serve the platform.

Every command exits 0 on success, 2 on bad input (with the field path on stderr) and 1 on
an unexpected failure, so scripts can tell a person's mistake from a bug.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from huiqi.cli.lazy import LazyGroup
from huiqi.cli.options import (
    fail_input,
    get_policy,
    policy_option,
    policy_under_readings,
    read_case,
    reading_option,
    with_readings,
)
from huiqi.rules.errors import InputError

EXAMPLES = """
\b
示例 / Examples:
  huiqi evaluate examples/software-firm.json          # 一个企业能拿多少（JSON）
  huiqi explain examples/software-firm.json           # 同样的结果，写给人看的中文说明
  cat case.json | huiqi evaluate -                    # 从标准输入读取
  huiqi screen registry.parquet -o awards.parquet --fiscal-year 2023 --as-of 2024-06-30
  huiqi policy measures                               # 全部资金措施、上限与条款原文
  huiqi test                                          # 运行政策包的 YAML 测试案例
  huiqi serve --port 8000                             # 启动平台（SQLite + 演示数据）
  huiqi db upgrade && huiqi user create admin --role admin   # 生产：迁移、建管理员
  huiqi population -n 100000 -o pop/                  # 合成政策所在地的企业名录（Parquet）
  huiqi simulate --population pop/ --reform examples/reform-rd-cap.yaml -o out/
"""


@click.group(
    cls=LazyGroup,
    lazy={
        "population": "huiqi.cli.sandbox_cmd:population",
        "simulate": "huiqi.cli.sandbox_cmd:simulate",
        "worker": "huiqi.cli.worker_cmd:worker",
        "demo": "huiqi.cli.demo_cmd:demo",
        "db": "huiqi.cli.db_cmd:db",
        "user": "huiqi.cli.user_cmd:user",
    },
    epilog=EXAMPLES,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="huiqi")
def main() -> None:
    """惠企 huiqi —— 把扶持政策变成可计算、可解释、可办理的软件。

    默认政策：随附的参考政策包（huiqi policy list 列出已安装的政策包）。
    金额精确到分；每个结果都引用条款原文。
    """


@main.command()
@click.argument("case_file", metavar="FILE|-")
@policy_option
@click.option("--compact", is_flag=True, help="单行 JSON（便于管道处理）。")
@click.option(
    "--measure",
    "measures",
    multiple=True,
    metavar="ID",
    help="只测算这些措施（可重复，如 --measure 2.6.1 --measure 2.6.2）。",
)
@reading_option
def evaluate(
    case_file: str,
    policy_id: str,
    compact: bool,
    measures: tuple[str, ...],
    readings: tuple[str, ...],
) -> None:
    """测算一个企业案例，输出 JSON 结果。

    \b
    FILE 是案例 JSON（- 表示标准输入），字段：
      as_of            申报日 YYYY-MM-DD（必填）
      fiscal_year      财务数据年度（默认申报日上一年）
      enterprise       {name, credit_code, district, software_enterprise, size, ...}
      annual           {"2023": {revenue, rd_expense}, "2022": {revenue}}
      recognitions     [{kind, level?, project?, date}]
      projects         [{id, kind, ...}]
      prior_awards     [{measure, project?, fiscal_year?, amount}]
      other_policy_awards [{policy, measure, project?, amount, status?}]
      readings         {"window.annual_basis": "fiscal_year", ...}（可选，按另一种读法）
    金额单位为元，可写数字、"1234.56"、"500万元"、"1.2亿"。

    \b
    输出：{"results": [{measure, project, status, amount, cap, clause, reasons, ...}], "total"}
    status 为 eligible | ineligible | discretionary | excluded。输入错误时退出码为 2。
    """
    from huiqi.rules.api import evaluate_case_json

    policy = get_policy(policy_id)
    try:
        raw = with_readings(read_case(case_file), readings)
        result = evaluate_case_json(policy, raw, list(measures))
    except InputError as exc:
        fail_input(exc)
    click.echo(json.dumps(result, ensure_ascii=False, indent=None if compact else 2))


@main.command()
@click.argument("case_file", metavar="FILE|-")
@policy_option
@click.option(
    "--measure", "measures", multiple=True, metavar="ID", help="只解释这些措施（可重复）。"
)
@reading_option
def explain(
    case_file: str, policy_id: str, measures: tuple[str, ...], readings: tuple[str, ...]
) -> None:
    """用中文解释一个案例的测算结果：能拿什么、为什么、离没拿到的还差多少。

    输入与 huiqi evaluate 相同。
    """
    from huiqi.rules.api import explain_case_text

    policy = get_policy(policy_id)
    try:
        raw = with_readings(read_case(case_file), readings)
        text = explain_case_text(policy, raw, list(measures))
    except InputError as exc:
        fail_input(exc)
    click.echo(text, nl=False)


def _date(_: Any, __: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期无效：{value!r}（YYYY-MM-DD）") from None


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_path",
    required=True,
    type=click.Path(path_type=Path),
    help="输出 Parquet：credit_code, award_2_6_1, award_2_6_2, award_2_6_3, award_total"
    "（decimal(18,2)）。",
)
@click.option(
    "--fiscal-year", type=int, default=None, help="财务数据年度，如 2023（INPUT 为文件时必填）。"
)
@click.option(
    "--as-of",
    callback=_date,
    default=None,
    help="申报日 YYYY-MM-DD，须在政策有效期内（INPUT 为文件时必填）。",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(path_type=Path),
    default=None,
    help="坏行报告 CSV 路径（默认 OUTPUT.errors.csv）。",
)
@click.option(
    "--batch-rows", default=1_000_000, show_default=True, help="每批行数（内存上限随之）。"
)
@click.option("--progress/--no-progress", default=None, help="显示进度条（默认：终端上显示）。")
@policy_option
@reading_option
def screen(
    input_path: Path,
    output_path: Path,
    fiscal_year: int,
    as_of: dt.date,
    errors_path: Path | None,
    batch_rows: int,
    progress: bool | None,
    policy_id: str,
    readings: tuple[str, ...],
) -> None:
    """免申即享批量筛查：INPUT 为文件时筛查 2.6.1 / 2.6.2 / 2.6.3；为目录时筛查全部措施。

    \b
    INPUT 为 Parquet 或 CSV，列：
      credit_code            统一社会信用代码（GB 32100 校验）
      software_enterprise    是否软件企业 true/false
      revenue                年营业收入（元）
      revenue_previous_year  上年营业收入（元，新企业可空）
      rd_expense             年研发投入（元）
      dcmm_level             持有的 DCMM 等级（有效期内认定、此前未获奖励；空为无）
      district               所在区（可选；无此列或为空时按信用代码第3–8位区划判断是否本地企业）
    坏行（负数、非数字、信用代码错误等）按行号写入错误报告，不中断运行。

    \b
    INPUT 为目录时（huiqi population 生成的格式）：enterprises、annual、recognitions、
    projects、awards、other_awards 六张 Parquet 表（<表>.parquet 或 <表>/part-*.parquet），
    输出每个企业、年度、措施、项目一行（非 ineligible）：status、amount（decimal(18,2)）。
    --fiscal-year / --as-of 可省略（取 enterprises 表的 fiscal_year / as_of 列）。
    """
    from huiqi.rules.money import format_wan, format_yuan
    from huiqi.screening.screen import screen_file

    # a reading changes every firm's answer: the whole run is under it
    policy = policy_under_readings(get_policy(policy_id), readings)
    if input_path.is_dir():  # a registry directory: every measure
        from huiqi.cli.sandbox_cmd import screen_registry

        screen_registry(policy, input_path, output_path, fiscal_year, as_of, errors_path, progress)
        return
    if fiscal_year is None or as_of is None:
        ctx = click.get_current_context()
        missing = "fiscal_year" if fiscal_year is None else "as_of"
        raise click.MissingParameter(
            ctx=ctx, param=next(p for p in ctx.command.params if p.name == missing)
        )
    try:
        report = screen_file(
            policy,
            input_path,
            output_path,
            fiscal_year,
            as_of,
            batch_rows=batch_rows,
            errors_path=errors_path,
            progress=progress,
        )
    except InputError as exc:
        fail_input(exc)
    click.echo(
        f"筛查完成：{report.rows_in:,} 行，输出 {report.rows_out:,} 行，坏行 {report.bad_rows:,}，"
        f"用时 {report.seconds:.1f} 秒",
        err=True,
    )
    for mid, fen in report.totals_fen.items():
        click.echo(
            f"  {mid}：{report.eligible[mid]:,} 家，{format_yuan(fen)}（{format_wan(fen)}）",
            err=True,
        )
    click.echo(
        f"  合计：{format_yuan(report.total_fen)}（{format_wan(report.total_fen)}）", err=True
    )
    if report.errors:
        shown = errors_path or output_path.with_name(output_path.name + ".errors.csv")
        click.echo(f"坏行报告：{shown}（前 5 条如下）", err=True)
        for row, field, rule, msg in report.errors[:5]:
            click.echo(f"  第 {row} 行 {field}: {msg} [{rule}]", err=True)


from huiqi.cli.policy_cmd import policy as policy_group  # noqa: E402
from huiqi.cli.test_cmd import test_command  # noqa: E402

main.add_command(policy_group)
main.add_command(test_command)


@main.group()
def audit() -> None:
    """审计日志：哈希链校验、资金对账与外部锚点。"""


_ANCHOR_OPTION = click.option(
    "--anchor",
    "anchor_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="外部锚点文件（默认 $HUIQI_DATA_DIR/audit-anchor.json）",
)


@audit.command("verify")
@_ANCHOR_OPTION
def audit_verify(anchor_path: Path | None) -> None:
    """校验审计日志：哈希链、链头签名与外部锚点，并与资金表对账。

    \b
    数据库取自 HUIQI_DATABASE_URL，签名密钥取自 HUIQI_AUDIT_HMAC_KEY；
    核定金额、预算总额/承诺/拨付、拨付记录中未记入审计的变动逐条列出；
    发现任何问题退出码为 1。
    """
    from huiqi.platform.audit.service import verify_database

    sys.exit(verify_database(anchor_path=anchor_path))


@audit.command("anchor")
@_ANCHOR_OPTION
def audit_anchor(anchor_path: Path | None) -> None:
    """导出签名的审计链头到数据库之外的锚点文件（校验通过才导出）。

    \b
    可定时运行；锚点文件应保存在数据库管理员改不了的地方。
    链条或资金对账有问题时不导出，退出码为 1。
    """
    from huiqi.platform.audit.service import anchor_database

    sys.exit(anchor_database(anchor_path=anchor_path))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="工作进程数（默认 HUIQI_WORKERS，再默认 1）；多进程时每个进程各有一个 SO_REUSEPORT "
    "监听套接字，由内核均衡连接。",
)
@click.option(
    "--production",
    is_flag=True,
    default=None,
    help="生产模式：有演示数据、未设 HUIQI_SECRET_KEY 或数据库未升级到最新版本时拒绝启动，"
    "不自动迁移（先运行 huiqi db upgrade）。也可设 HUIQI_PRODUCTION=1。",
)
@click.option(
    "--root-path",
    default=None,
    metavar="PATH",
    help="反向代理下的子路径，如 /huiqi（默认 HUIQI_ROOT_PATH）。",
)
def serve(
    host: str, port: int, workers: int | None, production: bool | None, root_path: str | None
) -> None:
    """启动惠企平台（Web 界面 + /api/v1）。默认是演示：SQLite、自动迁移、写入演示数据。

    全部设置（数据库、连接池、会话、Cookie、可信代理、上传上限、日志……）取自 HUIQI_* 环境变量，
    见 docs/operations.md 的设置表。数据库取自 HUIQI_DATABASE_URL（默认 sqlite:///./huiqi.db）。

    \b
    示例：
      huiqi serve                               # 演示：http://127.0.0.1:8000/
      huiqi serve --host 0.0.0.0 --port 8080
      # 生产：先迁移、建管理员，再以 2 个工作进程、子路径 /huiqi 启动
      huiqi db upgrade && huiqi user create admin --role admin
      HUIQI_DEMO=0 HUIQI_SECRET_KEY=... huiqi serve --production --workers 2 --root-path /huiqi
    """
    from huiqi.server import serve as run

    raise SystemExit(
        run(host=host, port=port, workers=workers, production=production, root_path=root_path)
    )


if __name__ == "__main__":
    main()
