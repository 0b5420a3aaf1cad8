"""Load a policy package (YAML data + formulas module) into a rules.Policy.

A policy package is a Python package holding policy.yaml, parameters.yaml, measures.yaml,
tasks.yaml, its published text and a `FORMULAS` mapping. Packages inside huiqi.policies are
found by folder; others register under the entry-point group "huiqi.policies".
"""

from __future__ import annotations

import datetime as dt
import importlib
from functools import lru_cache
from importlib import resources
from importlib.metadata import entry_points
from typing import Any

import yaml

from huiqi.rules.parameters import parse_parameters
from huiqi.rules.policy import (
    EMPTY,
    Clause,
    ExplainData,
    FactKind,
    MeasureSpec,
    Policy,
    Source,
    Task,
    parse_explain_data,
)

from .text import (
    normalise,
    responsible_unit_groups,
    responsible_unit_notes,
    responsible_units,
    split_clauses,
)

# libyaml's parser when PyYAML has it (same safe constructor, a quarter of the time: every
# CLI run and worker start loads the package)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# the policy a command, the calculator or the platform uses when none is named
DEFAULT_POLICY_ID = "wuhan-digital-economy-2022"
BUILTIN = {DEFAULT_POLICY_ID: "huiqi.policies.wuhan_digital_economy_2022"}
CLAUSE_NUMERALS = "一二三四五六七八九十"


_REGISTERED: dict[str, str] = {}


def register_policy(policy_id: str, module: str) -> None:
    """Make a policy package importable by id without packaging it (tests, notebooks)."""
    _REGISTERED[policy_id] = module
    load_policy.cache_clear()


def available_policies() -> dict[str, str]:
    """policy id -> module name."""
    found = dict(BUILTIN)
    found.update(_REGISTERED)
    for ep in entry_points(group="huiqi.policies"):
        found[ep.name] = ep.value
    return found


def package_yaml(policy_id: str, name: str) -> Any:
    """An optional YAML file of an installed policy package (None when it has none): data a
    layer above the rules reads for itself, such as the flat screening layout (screen.yaml)."""
    module = available_policies().get(policy_id)
    if module is None:
        raise KeyError(f"未知政策 {policy_id!r}")
    path = resources.files(module).joinpath(name)
    if not path.is_file():
        return None
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)


def _read_yaml(module: str, name: str) -> Any:
    text = resources.files(module).joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=SAFE_LOADER)


def clause_ref(clause_id: str) -> str:
    """ "2.6" -> "二（六）"; the closing "n.0" -> "附则"."""
    section, item = (int(x) for x in clause_id.split("."))
    if item == 0:
        return "附则"
    return f"{CLAUSE_NUMERALS[section - 1]}（{CLAUSE_NUMERALS[item - 1]}）"


def _fact_kind(name: str, spec: dict[str, Any]) -> FactKind:
    return FactKind(
        name=name,
        title=spec["title"],
        fields=dict(spec.get("fields", {})),
        levels=tuple(spec.get("levels", ())),
        level_names=dict(spec.get("level_names", {})),
    )


def _explain_data(module: str) -> ExplainData:
    """The package's explain.yaml (how its results are told to people), EMPTY without one."""
    path = resources.files(module).joinpath("explain.yaml")
    if not path.is_file():
        return EMPTY
    return parse_explain_data(
        yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER), normalise
    )


@lru_cache(maxsize=8)
def load_policy(policy_id: str = DEFAULT_POLICY_ID) -> Policy:
    modules = available_policies()
    if policy_id not in modules:
        raise KeyError(f"未知政策 {policy_id!r}；可用：{', '.join(sorted(modules))}")
    module_name = modules[policy_id]
    module = importlib.import_module(module_name)
    meta = _read_yaml(module_name, "policy.yaml")
    full_text = resources.files(module_name).joinpath(meta["text_file"]).read_text("utf-8")
    parameters = parse_parameters(_read_yaml(module_name, "parameters.yaml"))
    measures_raw: dict[str, Any] = _read_yaml(module_name, "measures.yaml")
    tasks_raw: dict[str, Any] = _read_yaml(module_name, "tasks.yaml")

    clauses: list[Clause] = []
    for cid, section, text in split_clauses(full_text, meta.get("body_starts_with")):
        units = responsible_units(text)
        closing = cid.endswith(".0")
        # a clause's title is its first sentence after the （n） numeral
        title = "施行日期、有效期与附则" if closing else text.split("。", 1)[0].split("）", 1)[-1]
        clauses.append(
            Clause(
                id=cid,
                ref=clause_ref(cid),
                section=section,
                title=title,
                text=text,
                units=units,
                measure_ids=tuple(m for m, s in measures_raw.items() if s["clause"] == cid),
                task_ids=tuple(t for t, s in tasks_raw.items() if s["clause"] == cid),
                rule_params=tuple(meta.get("closing_clause_params", ())) if closing else (),
                unit_groups=responsible_unit_groups(text),
                unit_notes=responsible_unit_notes(text),
            )
        )
    units_of = {c.id: c.units for c in clauses}
    groups_of = {c.id: c.unit_groups for c in clauses}

    measures: dict[str, MeasureSpec] = {}
    for mid, s in measures_raw.items():
        src = s["source"]
        source = Source(
            type=src["type"],
            kinds=tuple(src.get("kinds", ())),
            rank=dict(src.get("rank", {})),
            rank_by_level=bool(src.get("rank_by_level", False)),
        )
        measures[mid] = MeasureSpec(
            id=mid,
            title=s["title"],
            clause_id=s["clause"],
            clause_ref=clause_ref(s["clause"]),
            words=normalise(s["words"]),
            units=units_of[s["clause"]],
            kind=s["kind"],
            level=s.get("level", "enterprise"),
            source=source,
            cap_param=s.get("cap_param"),
            one_time=bool(s.get("one_time", False)),
            prior=s.get("prior", "none"),
            support_type=s["support_type"],
            industries=tuple(s.get("industries", ())),
            summary=s["summary"],
            summary_template=s["summary"] if "{" in s["summary"] else "",
            notes=s.get("notes", ""),
            upgrade_param=s.get("upgrade_param"),
            default_city_percent=int(s.get("default_city_percent", 100)),
        )

    tasks = tuple(
        Task(
            id=tid,
            clause_id=s["clause"],
            title=s["title"],
            text=normalise(s["words"]),
            units=tuple(s.get("units", units_of[s["clause"]])),
            unit_groups=groups_of[s["clause"]],
            leads=tuple(s["leads"]) if s.get("leads") else tuple(units_of[s["clause"]][:1]),
            lead_by_convention=not s.get("leads"),
        )
        for tid, s in tasks_raw.items()
    )
    issued = meta["issued"]
    return Policy(
        id=meta["id"],
        title=meta["title"],
        document_number=meta["document_number"],
        issuer=meta["issuer"],
        issued=issued if isinstance(issued, dt.date) else dt.date.fromisoformat(issued),
        version=str(meta["version"]),
        parameters=parameters,
        clauses=tuple(clauses),
        measures=measures,
        tasks=tasks,
        formulas=dict(module.FORMULAS),
        recognition_kinds={k: _fact_kind(k, v) for k, v in meta["recognition_kinds"].items()},
        project_kinds={k: _fact_kind(k, v) for k, v in meta["project_kinds"].items()},
        enterprise_fields=dict(meta["enterprise_fields"]),
        annual_fields=dict(meta["annual_fields"]),
        full_text=full_text,
        explain=_explain_data(module_name),
        expert_measures=tuple(str(m) for m in meta.get("expert_measures", ())),
    ).with_summaries()
