"""The districts a firm may be registered in: the policy package's official list of places
(for Wuhan the 13 administrative districts and the city's functional areas), with their aliases.

The district routes district first review and the district's share of payment, so it is a
registration fact checked against that list, not free text.
"""

from __future__ import annotations

from huiqi.platform.errors import ApiError
from huiqi.platform.policy import canonical_place, place_names, place_region


def official_district(name: str, path: str = "district") -> str:
    """The name as the firm's registration writes it (an official name or a recognised alias,
    trimmed), if it is one of the policy's places; 422 otherwise (a policy package that lists
    no places takes the name as written).

    The name is kept as written because officers' accounts carry the same spelling (e.g.
    东湖高新区) and routing compares the two."""
    text = (name or "").strip()
    places = place_names()
    if places and canonical_place(text) is None:
        names = "、".join(places)
        raise ApiError(
            422,
            "unknown_district",
            f"“{name}”不是{place_region()}的区或功能区；应为 {names} 之一（或其通用简称）",
            path,
        )
    return text
