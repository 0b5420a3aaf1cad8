"""The documents a claim under each measure needs (a policy package's materials.yaml).

Kept beside the policy rules but apart from `load_policy`: what a firm must upload is an
administrative reading of the measure's words, not part of the computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .loader import DEFAULT_POLICY_ID, available_policies

COMMITMENT_KIND = "credit_commitment"
COMMITMENT_NAME = "信用承诺书"


@dataclass(frozen=True)
class DocumentRequirement:
    kind: str  # code, e.g. "audit_report"
    name: str  # Chinese name shown to people, e.g. "审计报告"
    required: bool
    why: str  # the measure's own words that make the document necessary


@dataclass(frozen=True)
class MaterialsSpec:
    kinds: dict[str, str]  # code -> Chinese name
    commitment_required: bool
    measures: dict[str, tuple[DocumentRequirement, ...]]

    def for_measure(self, measure_id: str) -> tuple[DocumentRequirement, ...]:
        return self.measures.get(measure_id, ())

    def kind_name(self, kind: str) -> str:
        if kind == COMMITMENT_KIND:
            return COMMITMENT_NAME
        return self.kinds.get(kind, kind)


def parse_materials(raw: dict[str, Any]) -> MaterialsSpec:
    """Check and convert the YAML mapping; ValueError naming the first inconsistency."""
    kinds = {str(k): str(v) for k, v in dict(raw.get("kinds") or {}).items()}
    measures: dict[str, tuple[DocumentRequirement, ...]] = {}
    for measure_id, items in dict(raw.get("measures") or {}).items():
        reqs: list[DocumentRequirement] = []
        for item in items or ():
            kind = str(item["kind"])
            if kind not in kinds:
                raise ValueError(
                    f"materials.yaml: 措施 {measure_id} 的材料 {kind!r} 未在 kinds 中定义"
                )
            if any(r.kind == kind for r in reqs):
                raise ValueError(f"materials.yaml: 措施 {measure_id} 重复列出材料 {kind!r}")
            reqs.append(
                DocumentRequirement(
                    kind=kind,
                    name=kinds[kind],
                    required=bool(item.get("required", False)),
                    why=str(item.get("why", "")),
                )
            )
        measures[str(measure_id)] = tuple(reqs)
    return MaterialsSpec(
        kinds=kinds,
        commitment_required=bool(raw.get("commitment_required", False)),
        measures=measures,
    )


@lru_cache(maxsize=8)
def load_materials(policy_id: str = DEFAULT_POLICY_ID) -> MaterialsSpec:
    """The package's materials.yaml; a package without one asks for no documents."""
    modules = available_policies()
    if policy_id not in modules:
        raise KeyError(f"未知政策 {policy_id!r}")
    path = resources.files(modules[policy_id]).joinpath("materials.yaml")
    if not path.is_file():
        return MaterialsSpec(kinds={}, commitment_required=False, measures={})
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_materials(raw)
