"""`huiqi demo --scale N`: fill the database with N synthetic firms and a year of applications."""

from __future__ import annotations

import time

import click


@click.command()
@click.option("--scale", type=click.IntRange(1, 5_000_000), required=True, help="企业数。")
@click.option(
    "--applications",
    type=click.IntRange(0, 50_000_000),
    default=0,
    show_default=True,
    help="申报数（各状态按一年的比例分布）；不超过 企业数 × 15。",
)
@click.option("--seed", default=2024, show_default=True, help="随机种子：相同种子生成相同数据。")
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="同时写入审核记录、公示批次、拨付、免申即享推送与审计日志（哈希链可校验）。",
)
def demo(scale: int, applications: int, seed: int, history: bool) -> None:
    """生成规模测试数据：N 家企业（两年财务数据、DCMM 认定、智能化改造项目）与一年的申报。

    \b
    数据库取自 HUIQI_DATABASE_URL（先迁移到最新版本，并写入演示账号）。PostgreSQL 上用 COPY
    写入。用于基准测试与压力测试，不要用于生产库。
    \b
    示例：
      HUIQI_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        huiqi demo --scale 100000 --applications 1000000
    """
    from huiqi.platform.db import make_engine, make_sessionmaker, migrate
    from huiqi.platform.demo import seed as seed_demo
    from huiqi.platform.scale import seed_applications, seed_registry
    from huiqi.platform.scale_history import seed_history
    from huiqi.platform.settings import database_url_from_env

    engine = make_engine(database_url_from_env())
    try:
        migrate(engine)
        sm = make_sessionmaker(engine)
        started = time.perf_counter()
        with sm() as db:
            seed_demo(db)
            first = seed_registry(db, scale, seed=seed)
            if applications:
                apps = seed_applications(
                    db, applications, first_enterprise=first, firms=scale, seed=seed
                )
                if history:
                    seed_history(db, apps)
            db.commit()
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--applications") from None
    finally:
        engine.dispose()
    click.echo(
        f"已写入 {scale:,} 家企业、{applications:,} 份申报，用时 "
        f"{time.perf_counter() - started:.1f} 秒",
        err=True,
    )
