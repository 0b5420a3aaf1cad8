"""What each reading decides: a registry screened under every alternative of every reading.

`huiqi policy readings --population DIR` uses this to say, per alternative, how many firms
get a different answer and how much money moves. The frames of a part are built once and
the baseline's results are reused for every measure a reading does not touch (see
`MeasureResult.holds_under`), so a reading costs only the measures that read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.rules.evaluator import INELIGIBLE
from huiqi.rules.policy import Policy

from .registry import MeasureResult, RowsCache, evaluate_part, load_part
from .registry_screen import discover_parts, read_part
from .tables import IntArray, RegistryPart

# parameters load_part itself reads: a reading of one of them needs the part loaded again
_LOADING_PARAMETERS = ("interpretation.annual_fiscal_year_lag",)


@dataclass
class ReadingEffect:
    name: str
    value: Any
    firms_changed: int = 0  # firms with a different amount or status under this alternative
    cases_changed: int = 0  # (firm, fiscal year) claims among them
    baseline_fen: int = 0
    alternative_fen: int = 0

    @property
    def delta_fen(self) -> int:
        return self.alternative_fen - self.baseline_fen


def _per_case(part: RegistryPart, results: list[MeasureResult]) -> tuple[IntArray, IntArray]:
    """Per case: total fen, and a checksum of (measure, status, amount) of its open rows."""
    total = np.zeros(part.n, dtype=np.int64)
    signature = np.zeros(part.n, dtype=np.int64)
    for k, r in enumerate(results):
        if not len(r.case):
            continue
        np.add.at(total, r.case, r.amount)
        mark = (r.status != INELIGIBLE) * ((k + 1) * 1_000_003 + r.status * 7 + r.amount % 997)
        np.add.at(signature, r.case, mark.astype(np.int64))
    return total, signature


def reading_alternatives(policy: Policy) -> list[tuple[str, Any]]:
    return [(name, alt) for name, p in policy.readings.items() for alt in p.alternatives]


def reading_effects(
    policy: Policy,
    directory: Path,
    *,
    as_of: dt.date | None = None,
    fiscal_year: int | None = None,
) -> list[ReadingEffect]:
    alternatives = reading_alternatives(policy)
    variants = [policy.with_readings({name: value}) for name, value in alternatives]
    effects = [ReadingEffect(name, value) for name, value in alternatives]
    for files in discover_parts(directory):
        tables = read_part(files)
        part = load_part(policy, tables, as_of=as_of, fiscal_year=fiscal_year)
        cache = RowsCache(part)
        base = evaluate_part(policy, part, cache)
        base_total, base_sig = _per_case(part, base)
        good = ~part.bad
        for effect, variant in zip(effects, variants, strict=True):
            if effect.name in _LOADING_PARAMETERS:
                own = load_part(variant, tables, as_of=as_of, fiscal_year=fiscal_year)
                results = evaluate_part(variant, own, RowsCache(own))
                total, sig = _per_case(own, results)
                ok = good & ~own.bad
            else:
                results = evaluate_part(variant, part, cache, reuse=base)
                total, sig = _per_case(part, results)
                ok = good
            changed = ok & ((total != base_total) | (sig != base_sig))
            effect.cases_changed += int(changed.sum())
            if changed.any():
                codes = part.codes.filter(pa.array(changed))
                effect.firms_changed += len(pc.unique(codes))
            effect.baseline_fen += int(base_total[ok].sum())
            effect.alternative_fen += int(total[ok].sum())
    return effects
