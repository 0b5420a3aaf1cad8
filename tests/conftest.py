from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_policy_dir() -> Path:
    """The reference text shipped beside the repo (../shared/policy)."""
    for candidate in (REPO.parent / "shared" / "policy", Path("/work/shared/policy")):
        if (candidate / "wuhan-digital-economy-2022.txt").exists():
            return candidate
    pytest.fail("../shared/policy/wuhan-digital-economy-2022.txt not found beside the repo")
