"""Who compiles the annual lists and organises the 供需对接大会 city-wide: an admin, or a city
officer of a unit the policy names for the matching clause. The refusal names those units as
the package's text gives them (the clause's 责任单位), never a fixed list."""

from __future__ import annotations

from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import forbidden
from huiqi.platform.matching.lifecycle import curating_units, is_curator


def curates_citywide(p: Principal) -> bool:
    return p.role == "admin" or (p.role == "city_officer" and is_curator(p))


def curators_only(work: str, verb: str) -> str:
    """ "年度清单由<the clause's units>的工作人员编制发布": who may do `work`."""
    units = "、".join(curating_units()) or "供需对接责任单位"
    return f"{work}由{units}的工作人员{verb}"


def require_citywide_curator(p: Principal, work: str, verb: str) -> None:
    if not curates_citywide(p):
        raise forbidden(curators_only(work, verb))
