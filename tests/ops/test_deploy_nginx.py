"""A production install from nothing, as docs/operations.md describes it: an empty PostgreSQL
database, `huiqi db upgrade`, `huiqi user create`, `huiqi serve --production --root-path
/huiqi` behind Debian's nginx with the sample configuration (deploy/nginx), then an
administrator logs in through nginx in Chromium and creates an account on the admin pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.deploy import (
    SECRET,
    fresh_postgres_database,
    huiqi,
    huiqi_server,
    nginx_in_front,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ADMIN_PASSWORD = "Chief-password-2024"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("deploy")
    with fresh_postgres_database() as url:
        env = {
            "HUIQI_DATABASE_URL": url,
            "HUIQI_DEMO": "0",
            "HUIQI_SECRET_KEY": SECRET,
            "HUIQI_DATA_DIR": str(tmp / "data"),
            "HUIQI_TRUSTED_PROXIES": "127.0.0.1",
            "HUIQI_COOKIE_SECURE": "never",  # plain HTTP between the test and nginx
        }
        # production refuses an empty database: the schema comes from `huiqi db upgrade`
        refused = huiqi("serve", "--production", "--port", "9", env=env)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "huiqi db upgrade" in refused.stderr
        done = huiqi("db", "upgrade", env=env)
        assert done.returncode == 0, done.stderr
        made = huiqi(
            "user", "create", "root", "--role", "admin", "--name", "系统管理员",
            "--password-stdin", env=env, stdin=ADMIN_PASSWORD + "\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        log = tmp / "huiqi.log"
        with (
            huiqi_server(env, log, "--production", "--root-path", "/huiqi") as (port, _proc),
            nginx_in_front(port, tmp / "nginx") as proxy,
        ):
            yield {"base": f"http://127.0.0.1:{proxy}/huiqi", "url": url, "env": env, "log": log}


def test_behind_nginx_at_a_sub_path_with_no_demo_data(site: dict[str, Any]) -> None:
    base = site["base"]
    with httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/ready").json() == {"status": "ready", "database": "postgresql"}
        # nginx gives every request its id ($request_id), the application logs and echoes it
        login_page = http.get("/login", headers={"X-Request-ID": "from-the-client"})
        assert login_page.status_code == 200
        request_id = login_page.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
        assert "演示账号" not in login_page.text and "demo123" not in login_page.text
        hrefs = re.findall(r'(?:href|action|src)="(/[^"]*)"', login_page.text)
        assert hrefs and all(h.startswith("/huiqi/") for h in hrefs), hrefs
        # no demo account exists: its published password opens nothing
        r = http.post("/api/v1/auth/login", json={"username": "admin", "password": "demo123"})
        assert r.status_code == 401
        r = http.post("/api/v1/auth/login", json={"username": "root", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        token = r.json()["token"]
        users = http.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}).json()
        assert [u["username"] for u in users] == ["root"]
        # a redirect from the application stays under the sub-path (nginx passes it through)
        r = httpx.get(f"{base}/officer/queue", follow_redirects=False, timeout=30)
        assert r.headers["location"] == "/huiqi/login?next=%2Fofficer%2Fqueue"
        # Swagger UI works offline: every asset it loads comes from this site
        docs = http.get("/api/v1/docs").text
        assets = re.findall(r"""(?:href|src|url)\s*[=:]\s*['"]([^'"]+)['"]""", docs)
        assert len(assets) >= 4 and all(a.startswith("/huiqi/") for a in assets), assets
        for a in assets:
            assert httpx.get(f"{base.rsplit('/huiqi', 1)[0]}{a}", timeout=30).status_code == 200
        # the body limit is nginx's: a 40 MB upload is refused before it reaches huiqi
        r = http.post("/api/v1/enterprises/import", content=b"x" * (40 * 1024 * 1024))
        assert r.status_code == 413 and r.headers["server"].startswith("nginx")
    # the application's access log line carries nginx's id for that request
    lines = [ln for ln in site["log"].read_text(encoding="utf-8").splitlines() if request_id in ln]
    assert any('"logger": "huiqi.access"' in ln and '"path": "/huiqi/login"' in ln for ln in lines)


@pytest.mark.browser
def test_admin_logs_in_through_nginx_and_creates_an_account(
    site: dict[str, Any], browser: Any
) -> None:
    base = site["base"]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    failures: list[str] = []
    page = ctx.new_page()
    page.on(
        "response",
        lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    try:
        page.goto(f"{base}/")
        page.get_by_role("link", name="登录").first.click()
        assert page.url.startswith(f"{base}/login")
        page.get_by_label("用户名").fill("root")
        page.get_by_label("密码").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/admin/users")

        page.get_by_label("用户名").fill("dh_ops")
        page.get_by_label("名称").fill("东湖高新区审核员")
        page.get_by_label("角色").select_option("district_officer")
        page.get_by_label("初始密码").fill("Officer-pass-77")
        page.get_by_label("所属区（区级审核员）").fill("东湖高新区")
        page.get_by_role("button", name="新建账号").click()
        page.wait_for_url(re.compile(re.escape(f"{base}/admin/users") + r"\?msg="))
        assert "已新建账号 dh_ops" in page.locator(".flash").inner_text()
        row = page.locator("tr[data-user='dh_ops']")
        assert "东湖高新区" in row.inner_text() and "启用" in row.inner_text()

        # every admin page and the public pages answer under /huiqi/ through nginx
        for link in ("预算", "参数", "节假日", "审计"):
            page.locator("nav.subnav").get_by_role("link", name=link).click()
            page.wait_for_load_state()
            assert page.url.startswith(f"{base}/admin/"), page.url
        page.get_by_role("button", name="校验全部审计记录").click()
        verdict = page.locator("#verify-result")
        assert "哈希链与资金对账校验通过" in verdict.inner_text()  # chain and money reconciled
        assert "flash" in (verdict.get_attribute("class") or "")
        for name in ("政策库", "政策计算器", "公示"):
            page.get_by_role("navigation", name="主导航").get_by_role(
                "link", name=name, exact=True
            ).click()
            page.wait_for_load_state()
            assert page.url.startswith(f"{base}/"), page.url
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(re.compile(re.escape(f"{base}/") + r"\?msg="))

        # the new officer logs in with the password the administrator set
        page.goto(f"{base}/login")
        page.get_by_label("用户名").fill("dh_ops")
        page.get_by_label("密码").fill("Officer-pass-77")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/officer/queue")
        assert failures == [], failures
    finally:
        ctx.close()
