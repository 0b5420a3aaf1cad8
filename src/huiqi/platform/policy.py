"""The loaded policy, shared read-only by all requests (loading parses YAML: do it once)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from huiqi.platform.errors import ApiError
from huiqi.platform.settings import POLICY_ID

if TYPE_CHECKING:
    from huiqi.rules.policy import MeasureSpec, Policy


@lru_cache(maxsize=4)
def get_policy(policy_id: str = POLICY_ID) -> Policy:
    from huiqi.policies import load_policy

    return load_policy(policy_id)


def measure(measure_id: str, path: str = "measure_id") -> MeasureSpec:
    spec = get_policy().measures.get(measure_id)
    if spec is None:
        raise ApiError(422, "unknown_measure", f"政策中没有措施 {measure_id}", path)
    return spec


def cap_fen(measure_id: str, fiscal_year: int) -> int | None:
    import datetime as dt

    pol = get_policy()
    # caps are dated parameters; read them at the end of the fiscal year within the window
    when = min(dt.date(fiscal_year, 12, 31), pol.window_end)
    cap = pol.cap_fen(measure_id, when)
    return int(cap) if cap is not None else None
