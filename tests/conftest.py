from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings

import huiqi.platform.auth.service as auth_service
import huiqi.platform.demo as demo
from tests.helpers.workers import drop_worker_database, worker_database_url, worker_id

REPO = Path(__file__).resolve().parent.parent

# Uploaded documents, the demo audit key and the audit anchor go to a throw-away folder, never
# into the checkout (servers started by tests inherit it). Tests that need their own set it.
# Under pytest-xdist every worker is its own process with its own folder; a folder given from
# outside gets one sub-folder per worker, so two workers never share an audit anchor.
if "HUIQI_DATA_DIR" in os.environ and worker_id():
    os.environ["HUIQI_DATA_DIR"] = os.path.join(os.environ["HUIQI_DATA_DIR"], str(worker_id()))
    os.makedirs(os.environ["HUIQI_DATA_DIR"], exist_ok=True)
os.environ.setdefault("HUIQI_DATA_DIR", tempfile.mkdtemp(prefix="huiqi-test-data-"))

# Each xdist worker runs its PostgreSQL tests in a database of its own (test_gw0, test_gw1, …),
# set here, before any conftest or helper reads the URL; servers the tests start inherit it.
_BASE_PG_URL = os.environ.get(
    "HUIQI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
if worker_id():
    os.environ["HUIQI_TEST_POSTGRES_URL"] = worker_database_url(_BASE_PG_URL)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if worker_id():
        drop_worker_database(_BASE_PG_URL, os.environ["HUIQI_TEST_POSTGRES_URL"])


# Claims in most tests carry no documents; the tests of required documents and the signed
# 信用承诺书 (tests/platform/test_materials*.py and the pages' materials test) switch it on.
os.environ.setdefault("HUIQI_REQUIRE_MATERIALS", "0")

# The demo accounts' password hash, made with argon2's lightest parameters in tests. Every login
# verifies it, and with the production parameters (64 MiB, 3 passes) one verification took
# 0.15-1.5 s of CPU: thousands of logins were a large part of the suite. Logins still go through
# the real argon2 verification; new and reset passwords (hash_password) keep the production
# parameters, and servers started as child processes seed with them as in production.
_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@lru_cache(maxsize=8)
def _light_demo_hash(password: str) -> str:
    return _TEST_HASHER.hash(password)


auth_service.demo_hash = _light_demo_hash
demo.demo_hash = _light_demo_hash
# An unknown username is verified against a dummy hash so that it costs what a known one does;
# with the demo accounts on the light parameters, the dummy is made with them too.
auth_service._DUMMY_HASH = _TEST_HASHER.hash("not-a-password")

# Properties keep Hypothesis's default number of examples; what goes is the per-example time
# limit (200 ms) and the too-slow health check, which on a loaded 2-core machine failed
# correct code because another process had the CPU.
settings.register_profile(
    "huiqi", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("huiqi")


@pytest.fixture(scope="session")
def shared_policy_dir() -> Path:
    """The reference text shipped beside the repo (../shared/policy)."""
    for candidate in (REPO.parent / "shared" / "policy", Path("/work/shared/policy")):
        if (candidate / "wuhan-digital-economy-2022.txt").exists():
            return candidate
    pytest.fail("../shared/policy/wuhan-digital-economy-2022.txt not found beside the repo")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, files with a slow or browser test go first (scripts/test hands whole files to
    workers in collection order): a minute-long file started last would leave the other worker
    idle at the end. The order within a file, and every serial run, stays as collected."""
    if not worker_id():
        return
    heavy = {
        item.path
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("browser")
    }
    items.sort(key=lambda item: item.path not in heavy)  # stable: files keep their order
