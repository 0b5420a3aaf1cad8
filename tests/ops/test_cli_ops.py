"""`huiqi db upgrade`, `huiqi user create|reset-password|disable|enable` and the production
checks of `huiqi serve`, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.cli.main import main
from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.settings import PlatformSettings
from huiqi.server import create_app
from tests.helpers.deploy import SECRET, huiqi


def run(*args: str, url: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin, env={"HUIQI_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def api_login(client: TestClient, username: str, password: str) -> int:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return r.status_code


def test_first_admin_on_an_empty_database(database_url: str) -> None:
    code, _out, err = run("user", "create", "root", "--role", "admin", "--password-stdin",
                          url=database_url, stdin="Chief-pass-12\n")  # fmt: skip
    assert code == 2 and "huiqi db upgrade" in err  # nothing written to a schema-less database
    code, out, _ = run("db", "current", url=database_url)
    assert code == 1 and "未初始化" in out
    code, out, _ = run("db", "upgrade", url=database_url)
    assert code == 0 and "空数据库" in out
    assert run("db", "upgrade", url=database_url)[0] == 0  # idempotent
    assert run("db", "current", url=database_url)[0] == 0
    code, out, err = run("user", "create", "root", "--role", "admin", "--name", "管理员",
                         "--password-stdin", url=database_url, stdin="Chief-pass-12\n")  # fmt: skip
    assert code == 0, err
    assert "已新建账号 root" in out

    app = create_app(database_url, migrate_schema=False, settings=PlatformSettings(demo=False))
    with TestClient(app) as client:
        assert api_login(client, "root", "Chief-pass-12") == 200
        assert api_login(client, "admin", "demo123") == 401  # no demo data
        page = client.get("/login").text
        assert "演示账号" not in page and "demo123" not in page
        with app.state.sessionmaker() as db:
            entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
            assert entry is not None and entry.actor.startswith("cli:")
            assert entry.after["username"] == "root"

        # reset the password: the old one stops working, the open session ends
        token = client.post(
            "/api/v1/auth/login", json={"username": "root", "password": "Chief-pass-12"}
        ).json()["token"]
        code, out, err = run("user", "reset-password", "root", "--password-stdin",
                             url=database_url, stdin="Other-pass-34\n")  # fmt: skip
        assert code == 0, err
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
        assert api_login(client, "root", "Chief-pass-12") == 401
        assert api_login(client, "root", "Other-pass-34") == 200

        assert run("user", "disable", "root", url=database_url)[0] == 0
        assert api_login(client, "root", "Other-pass-34") == 401
        assert run("user", "enable", "root", url=database_url)[0] == 0
        assert api_login(client, "root", "Other-pass-34") == 200
    app.state.engine.dispose()


def test_user_commands_name_the_field_and_exit_2(database_url: str) -> None:
    assert run("db", "upgrade", url=database_url)[0] == 0
    cases = [
        (["user", "create", "a", "--role", "admin"], "Long-pass-1\n", "username"),
        (["user", "create", "bob", "--role", "admin"], "short\n", "password"),
        (["user", "create", "dh", "--role", "district_officer"], "Long-pass-1\n", "district"),
        (["user", "create", "cj", "--role", "city_officer"], "Long-pass-1\n", "units"),
        (["user", "create", "firm", "--role", "enterprise", "--credit-code",
          "91420100MA4K0000X1"], "Long-pass-1\n", "credit_code"),
        (["user", "create", "firm", "--role", "enterprise"], "Long-pass-1\n", "enterprise_id"),
        (["user", "create", "cj", "--role", "city_officer", "--unit", "市经信委"], "Long-pass-1\n",
         "units"),
        (["user", "disable", "nobody"], None, "username"),
    ]  # fmt: skip
    for args, password, path in cases:
        if password is not None:
            args = [*args, "--password-stdin"]
        code, _out, err = run(*args, url=database_url, stdin=password)
        assert code == 2, (args, err)
        assert f"  {path}:" in err, (args, err)
    code, _out, err = run("user", "create", "cj", "--role", "city_officer", "--unit", "市经信局",
                          "--password-stdin", url=database_url, stdin="Long-pass-1\n")  # fmt: skip
    assert code == 0, err
    code, _out, err = run("user", "create", "cj", "--role", "city_officer", "--unit", "市经信局",
                          "--password-stdin", url=database_url, stdin="Long-pass-1\n")  # fmt: skip
    assert code == 2 and "已存在" in err


def test_password_is_never_an_argument_nor_read_silently_from_a_pipe(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert run("db", "upgrade", url=url)[0] == 0
    # no tty and no --password-stdin: refuse instead of hanging or reading a stray line
    done = huiqi("user", "create", "root", "--role", "admin", env={"HUIQI_DATABASE_URL": url},
                 stdin="Piped-pass-1\n")  # fmt: skip
    assert done.returncode == 2 and "--password-stdin" in done.stderr
    assert "--password " not in CliRunner().invoke(main, ["user", "create", "--help"]).stdout


def test_production_serve_refuses_demo_data_and_a_missing_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    create_app(url, seed_demo=True).state.engine.dispose()
    base = {"HUIQI_DATABASE_URL": url, "HUIQI_DATA_DIR": str(tmp_path)}
    done = huiqi("serve", "--production", "--port", "9", env=base)
    assert done.returncode == 2
    assert "HUIQI_DEMO=0" in done.stderr and "HUIQI_SECRET_KEY" in done.stderr
    done = huiqi("serve", "--production", "--port", "9",
                 env={**base, "HUIQI_DEMO": "0", "HUIQI_SECRET_KEY": SECRET})  # fmt: skip
    assert done.returncode == 2 and "演示数据" in done.stderr
    assert "惠企平台已启动" not in done.stdout


@pytest.mark.parametrize("demo", [True, False])
def test_login_page_lists_demo_accounts_only_in_demo_mode(tmp_path: Path, demo: bool) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'l.db'}", settings=PlatformSettings(demo=demo))
    with TestClient(app) as client:
        page = client.get("/login").text
        assert ("demo123" in page) is demo and ("演示账号" in page) is demo
        twin = client.get("/login?format=json").json()
        assert bool(twin["demo_users"]) is demo and ("demo_password" in twin) is demo
    app.state.engine.dispose()
