"""`huiqi user`: create the first administrator (and any account), reset a password, suspend.

The same rules as `POST /api/v1/users` and the admin pages (huiqi.platform.auth.accounts), and
the same audit records; the actor is `cli:<operating-system user>`. Passwords are never taken
as arguments (they would stay in the shell history and the process list): typed at a hidden
prompt, or read from standard input with --password-stdin (one line) for scripts.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session

from huiqi.cli.db_cmd import DB_URL_OPTION
from huiqi.platform.auth.models import ROLES
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import ApiError, validation_errors

ROLE_HELP = (
    "enterprise 企业（须 --credit-code）、district_officer 区级审核员（须 --district）、"
    "city_officer 市级审核员（须 --unit，可重复）、expert 专家/第三方机构、analyst 分析员、"
    "supervisor 督办员、admin 管理员"
)


def fail(errors: list[dict[str, str]]) -> NoReturn:
    click.echo("输入有误 (input error):", err=True)
    for e in errors:
        click.echo(f"  {e.get('path') or '-'}: {e['message']} [{e.get('rule', '')}]", err=True)
    sys.exit(2)


def cli_actor() -> Principal:
    try:
        who = getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        who = "unknown"
    return Principal(0, f"cli:{who}", "admin")


@contextmanager
def session(database_url: str | None) -> Iterator[Session]:
    import huiqi.platform.models  # noqa: F401  (every table, for the ORM's foreign keys)
    from huiqi.platform.db import make_engine, make_sessionmaker, schema_problem
    from huiqi.platform.settings import database_url_from_env

    engine = make_engine(database_url_from_env(database_url))
    try:
        problem = schema_problem(engine)
        if problem:
            fail([{"path": "database", "rule": "schema", "message": problem}])
        with make_sessionmaker(engine)() as db:
            yield db
    finally:
        engine.dispose()


def run(action: Callable[[], Any]) -> Any:
    """Map the platform's errors to the CLI contract: a person's mistake exits 2."""
    try:
        return action()
    except ApiError as exc:
        fail(exc.errors)
    except ValidationError as exc:
        fail(validation_errors(RequestValidationError(exc.errors())))


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        fail(
            [
                {
                    "path": "password",
                    "rule": "required",
                    "message": "非交互运行时请用 --password-stdin",
                }
            ]
        )
    value: str = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    return value


PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="从标准输入读取密码（一行），供脚本使用。"
)


@click.group("user")
def user() -> None:
    """账号：新建、重置密码、停用、启用（与管理员页面同一套规则，写审计）。"""


@user.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help=ROLE_HELP)
@click.option("--name", "display_name", default="", help="显示名称（默认同用户名）。")
@click.option("--district", default=None, help="区级审核员的所属区，如 东湖高新区。")
@click.option(
    "--unit", "units", multiple=True, help="市级审核员的责任单位，如 市经信局（可重复）。"
)
@click.option("--credit-code", default=None, help="企业账号绑定的企业（统一社会信用代码）。")
@PASSWORD_STDIN
@DB_URL_OPTION
def create(
    username: str,
    role: str,
    display_name: str,
    district: str | None,
    units: tuple[str, ...],
    credit_code: str | None,
    password_stdin: bool,
    database_url: str | None,
) -> None:
    """新建账号 USERNAME，例如第一个管理员：

    \b
      huiqi user create admin --role admin --name 系统管理员
      printf '%s\\n' "$PW" | huiqi user create dh01 --role district_officer \\
          --district 东湖高新区 --password-stdin
    """
    from sqlalchemy import select

    from huiqi.platform.auth.accounts import create_account
    from huiqi.platform.auth.schemas import UserIn
    from huiqi.platform.enterprises.models import Enterprise

    password = read_password(password_stdin)
    with session(database_url) as db:
        enterprise_id = None
        if credit_code:
            enterprise_id = db.scalar(
                select(Enterprise.id).where(Enterprise.credit_code == credit_code.strip())
            )
            if enterprise_id is None:
                fail([{"path": "credit_code", "rule": "not_found", "message": "企业不存在"}])

        def act() -> Any:
            body = UserIn(
                username=username,
                password=password,
                role=role,  # a click.Choice of ROLES
                display_name=display_name,
                enterprise_id=enterprise_id,
                district=district,
                units=list(units),
            )
            return create_account(db, cli_actor(), body)

        account = run(act)
        click.echo(f"已新建账号 {account.username}（{account.role}，编号 {account.id}）")


def _update(username: str, database_url: str | None, **changes: Any) -> Any:
    from huiqi.platform.auth.accounts import find_by_username, update_account
    from huiqi.platform.auth.schemas import UserUpdate

    with session(database_url) as db:

        def act() -> Any:
            account = find_by_username(db, username)
            return update_account(db, cli_actor(), account.id, UserUpdate(**changes))

        return run(act)


@user.command("reset-password")
@click.argument("username")
@PASSWORD_STDIN
@DB_URL_OPTION
def reset_password(username: str, password_stdin: bool, database_url: str | None) -> None:
    """为 USERNAME 设置新密码；该账号已登录的会话全部作废。"""
    password = read_password(password_stdin)
    account = _update(username, database_url, password=password)
    click.echo(f"已重置 {account.username} 的密码，原有会话已作废")


@user.command("disable")
@click.argument("username")
@DB_URL_OPTION
def disable(username: str, database_url: str | None) -> None:
    """停用 USERNAME：立即不能登录，已有会话作废（记录保留，可再启用）。"""
    account = _update(username, database_url, active=False)
    click.echo(f"已停用 {account.username}")


@user.command("enable")
@click.argument("username")
@DB_URL_OPTION
def enable(username: str, database_url: str | None) -> None:
    """重新启用被停用的 USERNAME。"""
    account = _update(username, database_url, active=True)
    click.echo(f"已启用 {account.username}")
