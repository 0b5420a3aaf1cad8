"""A policy package's places: the districts (and functional areas) a firm may be registered in,
from the package's districts.yaml, with their aliases. The platform routes first review and the
district's share of payment by them; a package without the file names no places.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from huiqi.rules.standard import REGION_PREFIXES, normalise_district

from .loader import load_policy, package_yaml


@dataclass(frozen=True)
class District:
    name: str
    kind: str  # district (行政区) | functional_area (功能区)
    code: str | None  # GB/T 2260 code of a district; None for a functional area
    aliases: tuple[str, ...]
    reference: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@lru_cache(maxsize=8)
def districts(policy_id: str) -> tuple[District, ...]:
    return tuple(
        District(
            name=d["name"],
            kind=d["kind"],
            code=d.get("code"),
            aliases=tuple(d.get("aliases", ())),
            reference=d["reference"],
        )
        for d in package_yaml(policy_id, "districts.yaml") or ()
    )


@lru_cache(maxsize=8)
def region(policy_id: str) -> str:
    """Where the policy applies, as its text names it (policy.yaml `region`, e.g. 武汉市)."""
    meta = package_yaml(policy_id, "policy.yaml") or {}
    return str(meta.get("region", ""))


@lru_cache(maxsize=8)
def region_prefixes(policy_id: str) -> tuple[str, ...]:
    """What a firm may write before its district (the package's scope.region_prefixes, its
    latest value; none without it), as the policy's own scope condition reads them."""
    named = load_policy(policy_id).parameters.get(REGION_PREFIXES)
    return tuple(str(x) for x in named.values[-1][1]) if named is not None else ()


def canonical_district(policy_id: str, name: str) -> str | None:
    """The official name of a place of the policy as written, or None if not one of them."""
    wanted = normalise_district(name, region_prefixes(policy_id))
    for d in districts(policy_id):
        if wanted in d.names:
            return d.name
    return None
