"""A flat registry file (one row per firm) as a registry part, so `huiqi screen FILE` runs the
same bulk path as `huiqi screen DIR`: registry.measure_rows -> evaluate_rows, per measure.

Which columns the file has and which measures it answers is policy data: the package's
screen.yaml. A package without one has no flat layout (its registry directory still works).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from huiqi.policies.loader import package_yaml
from huiqi.rules.errors import InputError
from huiqi.rules.frame import date_to_days
from huiqi.rules.policy import Policy

from .columns import (
    RowProblems,
    credit_code_column,
    flag_column,
    level_column,
    money_column,
)
from .tables import (
    IDENTITY_FIELDS,
    Children,
    Col,
    RegistryPart,
    level_names_of_kind,
    text_column,
)

PREVIOUS_REVENUE = "revenue_previous_year"  # the fact rows.py builds from annual[fy - 1]


@dataclass(frozen=True)
class FlatLayout:
    measures: tuple[str, ...]
    # file column -> (section, name): (enterprise, field), (annual, field), (recognition, kind)
    columns: dict[str, tuple[str, str]]
    optional: dict[str, tuple[str, str]]
    # the upload template: column -> (Chinese title, other accepted titles, example value)
    template: dict[str, tuple[str, tuple[str, ...], str]]

    @property
    def required(self) -> tuple[str, ...]:
        return ("credit_code", *self.columns)


def _facts(spec: dict[str, str] | None) -> dict[str, tuple[str, str]]:
    out = {}
    for column, fact in (spec or {}).items():
        section, _, name = str(fact).partition(".")
        out[str(column)] = (section, name)
    return out


@lru_cache(maxsize=8)
def _layout(policy_id: str) -> FlatLayout | None:
    doc = package_yaml(policy_id, "screen.yaml")
    if doc is None:
        return None
    return FlatLayout(
        measures=tuple(str(m) for m in doc["measures"]),
        columns=_facts(doc.get("columns")),
        optional=_facts(doc.get("optional_columns")),
        template={
            str(column): (
                str(t["title"]),
                tuple(str(a) for a in t.get("also", ())),
                str(t.get("example", "")),
            )
            for column, t in (doc.get("template") or {}).items()
        },
    )


def flat_layout(policy: Policy) -> FlatLayout:
    """The policy package's flat file layout; a clear error when it has none."""
    layout = _layout(policy.id)
    if layout is None:
        raise InputError.single(
            "INPUT",
            "flat_layout",
            f"政策包 {policy.id} 没有单表筛查格式（screen.yaml）；"
            "请用名录目录格式（huiqi screen DIR）",
        )
    return layout


def _absent(kind: str, n: int) -> Col:
    """A fact the file does not carry: unknown on every row (a view, no memory)."""
    dtype: Any = {"money": np.int64, "date": np.int64, "integer": np.int64, "flag": np.bool_}
    value = np.array(None if kind == "text" else 0, dtype=dtype.get(kind, object))
    return np.broadcast_to(value, (n,)), np.broadcast_to(np.array(False), (n,))


def _kind(policy: Policy, section: str, name: str) -> str:
    if section == "enterprise":
        return policy.enterprise_fields[name]
    return "money" if name == PREVIOUS_REVENUE else policy.annual_fields[name]


def _read(kind: str, arr: pa.Array, column: str, n: int, problems: RowProblems) -> Col:
    if kind == "flag":
        return flag_column(arr, column, problems)
    if kind == "money":
        return money_column(arr, column, problems)
    if kind == "text":
        return text_column(arr, n, empty_is_null=True)
    raise ValueError(f"screen.yaml: column {column} of kind {kind} is not read from a flat file")


def flat_part(
    policy: Policy, layout: FlatLayout, batch: pa.RecordBatch, fiscal_year: int, as_of: dt.date
) -> tuple[RegistryPart, RowProblems]:
    """One batch of the flat file as a registry part: one case per row, the recognition
    levels as recognition rows; bad rows are marked, never raised."""
    n = batch.num_rows
    problems = RowProblems(n)
    col = {name: batch.column(name) for name in batch.schema.names}
    facts: dict[str, Col] = {}
    for name, kind in policy.enterprise_fields.items():
        if name not in IDENTITY_FIELDS:
            facts[name] = _absent(kind, n)
    for name, kind in policy.annual_fields.items():
        facts[name] = _absent(kind, n)
    facts[PREVIOUS_REVENUE] = _absent("money", n)
    facts["credit_division"] = credit_code_column(col["credit_code"], problems)
    recognitions: list[tuple[str, Col]] = []
    present = {**layout.columns, **{c: f for c, f in layout.optional.items() if c in col}}
    for column, (section, name) in present.items():
        if section == "recognition":
            levels = tuple(int(v) for v in policy.recognition_kinds[name].levels)
            recognitions.append((name, level_column(col[column], column, problems, levels)))
        else:
            facts[name] = _read(_kind(policy, section, name), col[column], column, n, problems)
    facts["as_of"] = (
        np.broadcast_to(np.array(date_to_days(as_of), dtype=np.int64), (n,)),
        np.broadcast_to(np.array(True), (n,)),
    )
    facts["fiscal_year"] = (
        np.broadcast_to(np.array(fiscal_year, dtype=np.int64), (n,)),
        np.broadcast_to(np.array(True), (n,)),
    )
    district = facts["district"][0] if "district" in facts else np.full(n, None, dtype=object)
    # the file's contract: a level held was recognised inside the window, never paid before
    start = date_to_days(policy.parameter_at("window.start", as_of))
    return RegistryPart(
        n=n,
        codes=col["credit_code"],
        facts=facts,
        district=district,
        bad=problems.bad,
        recognitions=_recognition_rows(policy, recognitions, start),
        projects=Children(np.zeros(0, np.int64), np.zeros(0, np.int64)),
        awards=Children(np.zeros(0, np.int64), np.zeros(0, np.int64)),
        others=Children(np.zeros(0, np.int64), np.zeros(0, np.int64)),
    ), problems


def _recognition_rows(
    policy: Policy, held: list[tuple[str, tuple[Any, Any]]], start_days: int
) -> Children:
    cases, kinds, levels, names, named = [], [], [], [], []
    for kind, (level, known) in held:
        rows = np.flatnonzero(known)
        cases.append(rows)
        kinds.append(np.full(len(rows), kind, dtype=object))
        levels.append(level[rows])
        name, has_name = level_names_of_kind(policy, kind, level[rows], known[rows])
        names.append(name)
        named.append(has_name)

    def joined(parts: list[Any], dtype: Any) -> Any:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    m = sum(len(c) for c in cases)
    ones = np.broadcast_to(np.array(True), (m,))
    return Children(
        joined(cases, np.int64),
        np.arange(m, dtype=np.int64),
        {
            "kind": (joined(kinds, object), ones),
            "level": (joined(levels, np.int64), ones),
            "level_name": (joined(names, object), joined(named, np.bool_)),
            # a flat file names no project: one site per firm (views, no memory)
            "project": (
                np.broadcast_to(np.array(None, dtype=object), (m,)),
                np.broadcast_to(np.array(False), (m,)),
            ),
            "date": (np.broadcast_to(np.array(start_days, dtype=np.int64), (m,)), ones),
        },
    )
