"""The districts a Wuhan firm may be registered in: the policy package's official list of the
13 administrative districts and the city's functional areas (功能区), with their aliases.

The district routes district first review and the district's share of payment, so it is a
registration fact checked against that list, not free text.
"""

from __future__ import annotations

from huiqi.platform.errors import ApiError
from huiqi.policies.wuhan_digital_economy_2022.districts import (
    canonical_district,
    wuhan_districts,
)


def official_district(name: str, path: str = "district") -> str:
    """The name as the firm's registration writes it (an official name or a recognised alias,
    trimmed), if it is a Wuhan district or functional area; 422 otherwise.

    The name is kept as written because officers' accounts carry the same spelling (e.g.
    东湖高新区) and routing compares the two."""
    text = (name or "").strip()
    if canonical_district(text) is None:
        names = "、".join(d.name for d in wuhan_districts())
        raise ApiError(
            422,
            "unknown_district",
            f"“{name}”不是武汉市的区或功能区；应为 {names} 之一（或其通用简称）",
            path,
        )
    return text
