from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Uploaded documents, the demo audit key and the audit anchor go to a throw-away folder, never
# into the checkout (servers started by tests inherit it). Tests that need their own set it.
os.environ.setdefault("HUIQI_DATA_DIR", tempfile.mkdtemp(prefix="huiqi-test-data-"))
# Claims in most tests carry no documents; the tests of required documents and the signed
# 信用承诺书 (tests/platform/test_materials*.py and the pages' materials test) switch it on.
os.environ.setdefault("HUIQI_REQUIRE_MATERIALS", "0")


@pytest.fixture(scope="session")
def shared_policy_dir() -> Path:
    """The reference text shipped beside the repo (../shared/policy)."""
    for candidate in (REPO.parent / "shared" / "policy", Path("/work/shared/policy")):
        if (candidate / "wuhan-digital-economy-2022.txt").exists():
            return candidate
    pytest.fail("../shared/policy/wuhan-digital-economy-2022.txt not found beside the repo")
