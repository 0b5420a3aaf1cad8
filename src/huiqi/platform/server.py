"""`huiqi serve`: migrate, seed demo data (idempotent), print the logins and run uvicorn."""

from __future__ import annotations

import os

from huiqi.platform.settings import database_url_from_env


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def serve(
    host: str = "127.0.0.1", port: int = 8000, database_url: str | None = None, workers: int = 1
) -> int:
    """Returns the exit status (non-zero when multi-process workers kept dying)."""
    import uvicorn

    from huiqi.platform.app import create_app
    from huiqi.platform.demo import DEMO_PASSWORD, DEMO_TODAY, DEMO_USERS
    from huiqi.platform.security.proxies import UVICORN_OPTIONS

    url = database_url_from_env(database_url)
    demo = os.environ.get("HUIQI_NO_DEMO") != "1"
    if demo:
        # The policy's window has ended: the demo runs on a visible demo clock inside it (every
        # page says 演示环境), never pretending the policy is live today.
        os.environ.setdefault("HUIQI_TODAY", DEMO_TODAY)
    app = create_app(url, seed_demo=demo)
    if demo:
        from huiqi.platform.demo import seed_applications

        with app.state.sessionmaker() as db:
            seed_applications(db)
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    print(f"惠企平台已启动，请在浏览器打开：{base}/", flush=True)
    print(
        f"  政策库 {base}/policy    政策计算器 {base}/calculator    登录 {base}/login", flush=True
    )
    print(f"  API 文档 {base}/api/v1/docs    数据库：{_safe_url(url)}", flush=True)
    if demo:
        print(f"演示环境：业务日期固定为 {os.environ['HUIQI_TODAY']}（HUIQI_TODAY）", flush=True)
    print(f"演示账号（密码均为 {DEMO_PASSWORD}）：", flush=True)
    for username, role, name, _extra in DEMO_USERS:
        print(f"  {username:<12} {role:<17} {name}", flush=True)
    if workers > 1:
        from huiqi.platform.workers import reuseport_supported, run_workers

        if reuseport_supported():
            app.state.engine.dispose()  # each worker opens its own connections after the fork
            shown = f"{workers} 个工作进程（SO_REUSEPORT 均衡连接）+ 1 个后台任务进程"
            print(f"{shown}。按 Ctrl+C 停止。", flush=True)
            return run_workers(lambda: create_app(url), host, port, workers, job_worker_url=url)
        print("本系统不支持 SO_REUSEPORT，以单进程运行。", flush=True)
    from huiqi.platform.workers import start_job_worker

    print("后台任务进程已启动（免申即享、企业导入、批量筛查）。按 Ctrl+C 停止。", flush=True)
    job_worker = start_job_worker(url)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", **UVICORN_OPTIONS)
    finally:
        job_worker.terminate()
        try:
            job_worker.wait(timeout=30)
        except Exception:
            job_worker.kill()
    return 0


if __name__ == "__main__":  # python -m huiqi.platform.server [port]
    import sys

    raise SystemExit(serve(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8000))
