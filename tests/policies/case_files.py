"""Load a policy package's YAML cases: analyst-readable, deep-merged over `defaults`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from huiqi.policies import available_policies


def _plain(value: Any) -> Any:
    """YAML dates/floats -> the JSON forms a case takes (ISO strings, exact decimals)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {str(k) if isinstance(k, int) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return over


def policy_cases() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """[(policy id, test id, case, spec)] over every installed policy package's cases/."""
    out = []
    for policy_id, module in sorted(available_policies().items()):
        folder = resources.files(module).joinpath("cases")
        for entry in sorted(Path(str(folder)).glob("*.yaml")):
            doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
            defaults = _plain(doc.get("defaults", {}))
            for i, spec in enumerate(doc["cases"]):
                case = merge(defaults, _plain(spec.get("case", {})))
                out.append((policy_id, f"{entry.stem}[{i}] {spec['name']}", case, spec))
    return out
