"""`huiqi worker`: run the platform's background jobs (免申即享 campaigns, enterprise imports,
bulk screening) from the queue kept in the database."""

from __future__ import annotations

import sys

import click


@click.command()
@click.option("--once", is_flag=True, help="运行完队列中已有的任务后退出（默认一直运行）。")
@click.option(
    "--lease",
    default=60,
    show_default=True,
    type=click.IntRange(10, 3600),
    help="任务租约秒数：工作进程每三分之一租约续租一次；超过租约未续租的任务重新排队或判为失败。",
)
def worker(once: bool, lease: int) -> None:
    """运行后台任务：免申即享、企业导入、批量筛查（数据库取自 HUIQI_DATABASE_URL）。

    \b
    任务队列在数据库中，可以同时运行任意多个 worker（PostgreSQL 用 SKIP LOCKED 领取，SQLite
    用单条原子 UPDATE 领取）。huiqi serve 会自动启动一个；另开的 worker 分担负载。
    worker 被 kill -9 后，其任务在租约到期后重新排队（最多尝试 3 次），否则判为失败并写明原因。
    \b
    示例：
      huiqi worker                  # 一直运行，Ctrl+C 停止（当前任务完成后退出）
      huiqi worker --once           # 处理完现有任务即退出
    """
    from huiqi.platform.jobs.runner import run_worker_process
    from huiqi.platform.settings import database_url_from_env

    sys.exit(run_worker_process(database_url_from_env(), lease_seconds=lease, once=once))


if __name__ == "__main__":  # python -m huiqi.cli.worker_cmd (what `huiqi serve` starts)
    worker()
