"""The loaded policy, shared read-only by all requests (loading parses YAML: do it once)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from huiqi.platform.errors import ApiError
from huiqi.platform.settings import POLICY_ID

if TYPE_CHECKING:
    from huiqi.rules.policy import MeasureSpec, Policy, Task


@lru_cache(maxsize=4)
def get_policy(policy_id: str = POLICY_ID) -> Policy:
    from huiqi.policies import load_policy

    return load_policy(policy_id)


# The policy's places (its package's districts.yaml), read without loading the whole package:
# request shapes name them when their module is imported.


def place_names() -> list[str]:
    """The official names of the policy's districts and functional areas (none if it lists
    none)."""
    from huiqi.policies.districts import districts

    return [d.name for d in districts(POLICY_ID)]


def place_region() -> str:
    """Where the policy applies, as its text names it (e.g. 武汉市 in the reference policy)."""
    from huiqi.policies.districts import region

    return region(POLICY_ID) or "本地区"


def canonical_place(name: str) -> str | None:
    """The official name of one of the policy's places as a person writes it (an alias, with
    or without the region's name before it); None if it is not one. A policy listing no
    places takes any name, trimmed."""
    from huiqi.policies.districts import canonical_district

    if not place_names():
        return name.strip() or None
    return canonical_district(POLICY_ID, name)


def demo_data() -> dict[str, Any]:
    """The policy package's demo platform (its demo.yaml: accounts, firms, 供需对接 entries,
    揭榜挂帅 tasks), so the seeding code names no place; empty when the package has none."""
    from huiqi.policies.loader import package_yaml

    data = package_yaml(POLICY_ID, "demo.yaml") or {}
    return dict(data)


def place_problem() -> str:
    """What a person is told when a place is not one of the policy's."""
    return f"所在区应为{place_region()}的区或功能区：" + "、".join(place_names())


def lead_unit(measure_id: str) -> str:
    """The first 责任单位 the policy's text names for a measure's clause (the unit that runs
    it, e.g. 市经信局 for 3.2.1 in the reference policy): who a page or a refusal names."""
    units = get_policy().measures[measure_id].units
    return units[0] if units else "责任单位"


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


@lru_cache(maxsize=16)
def programme_task_id(programme: str, policy_id: str = POLICY_ID) -> str:
    """The policy's task a platform programme carries out ("challenges", "vouchers",
    "matching"), as the package's programmes.yaml names it: a small file read without loading
    the whole policy, so a module may ask at import."""
    from huiqi.policies.loader import package_yaml

    spec = (package_yaml(policy_id, "programmes.yaml") or {}).get(programme) or {}
    task_id = spec.get("task")
    if not isinstance(task_id, str):
        raise LookupError(f"政策包 {policy_id} 的 programmes.yaml 没有为“{programme}”指明任务")
    return task_id


@lru_cache(maxsize=16)
def programme_setting(programme: str, key: str, policy_id: str = POLICY_ID) -> str:
    """A programme's setting in programmes.yaml (e.g. `measure`, the money measure the
    揭榜挂帅 board or the 服务券 pay): which of the policy's measures is policy data."""
    from huiqi.policies.loader import package_yaml

    spec = (package_yaml(policy_id, "programmes.yaml") or {}).get(programme) or {}
    value = spec.get(key)
    if not isinstance(value, str):
        raise LookupError(f"政策包 {policy_id} 的 programmes.yaml 没有为“{programme}”指明 {key}")
    return value


def programme_units(programme: str) -> tuple[str, ...]:
    """The units responsible for the programme's task, in the text's order."""
    return _programme_task(programme).units


def programme_lead(programme: str) -> str:
    """The unit that leads the programme's task: its officers act for the programme."""
    task = _programme_task(programme)
    return (task.leads or task.units)[0]


@lru_cache(maxsize=16)
def _programme_task(programme: str) -> Task:
    task_id = programme_task_id(programme)
    for task in get_policy().tasks:
        if task.id == task_id:
            return task
    raise LookupError(f"政策中没有任务 {task_id}（programmes.yaml 的“{programme}”）")
