"""Load a policy package's YAML cases: analyst-readable, deep-merged over `defaults`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from huiqi.cli.test_cmd import merge, plain
from huiqi.policies import available_policies

__all__ = ["merge", "policy_cases"]


def policy_cases() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """[(policy id, test id, case, spec)] over every installed policy package's cases/."""
    out = []
    for policy_id, module in sorted(available_policies().items()):
        folder = resources.files(module).joinpath("cases")
        for entry in sorted(Path(str(folder)).glob("*.yaml")):
            doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
            defaults = plain(doc.get("defaults", {}))
            for i, spec in enumerate(doc["cases"]):
                case = merge(defaults, plain(spec.get("case", {})))
                out.append((policy_id, f"{entry.stem}[{i}] {spec['name']}", case, spec))
    return out
