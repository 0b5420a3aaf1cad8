"""The official list of Wuhan's districts and functional areas (districts.yaml), read through the
generic huiqi.policies.districts: `wuhan_districts()` gives every place with its kind, code and
reference; `is_wuhan_district` answers for a name as a firm writes it (with or without
湖北省/武汉市, by an alias). The policy's own scope condition reads the same names from the
parameter scope.districts.
"""

from __future__ import annotations

from huiqi.policies.districts import District, districts
from huiqi.policies.districts import canonical_district as _canonical

POLICY_ID = "wuhan-digital-economy-2022"

__all__ = ["District", "canonical_district", "is_wuhan_district", "wuhan_districts"]


def wuhan_districts() -> tuple[District, ...]:
    return districts(POLICY_ID)


def canonical_district(name: str) -> str | None:
    """The official name of a district or functional area as written, or None if not Wuhan."""
    return _canonical(POLICY_ID, name)


def is_wuhan_district(name: str) -> bool:
    return canonical_district(name) is not None
