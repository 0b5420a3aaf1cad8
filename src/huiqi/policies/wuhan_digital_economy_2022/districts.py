"""The official list of Wuhan's districts and functional areas, as data the platform can use.

`wuhan_districts()` gives every place with its kind, code and reference; `is_wuhan_district`
answers for a name as a firm writes it (with or without 湖北省/武汉市, by an alias).
The policy's own scope condition reads the same names from the parameter scope.districts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from huiqi.rules.standard import normalise_district


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


@lru_cache(maxsize=1)
def wuhan_districts() -> tuple[District, ...]:
    text = resources.files(__package__).joinpath("districts.yaml").read_text(encoding="utf-8")
    return tuple(
        District(
            name=d["name"],
            kind=d["kind"],
            code=d.get("code"),
            aliases=tuple(d.get("aliases", ())),
            reference=d["reference"],
        )
        for d in yaml.safe_load(text)
    )


def canonical_district(name: str) -> str | None:
    """The official name of a district or functional area as written, or None if not Wuhan."""
    wanted = normalise_district(name)
    for d in wuhan_districts():
        if wanted in d.names:
            return d.name
    return None


def is_wuhan_district(name: str) -> bool:
    return canonical_district(name) is not None
