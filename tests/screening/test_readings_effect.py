"""`huiqi policy readings --population`: what each alternative changes, against one
`huiqi evaluate` per firm under that reading (the single path shares nothing with the bulk
one and its reuse of unaffected measures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from huiqi.screening.readings_effect import reading_alternatives, reading_effects

from .registry_cases import POLICY, cases_from_tables, random_registry, single_results


def _open_rows(policy: Any, case: dict[str, Any]) -> dict[tuple[str, Any], tuple[str, int]]:
    return {k: v for k, v in single_results(policy, case).items() if v[0] != "ineligible"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    tables = random_registry(21, firms=60)
    folder = tmp_path_factory.mktemp("registry")
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    return folder, cases_from_tables(tables)


def test_each_alternative_equals_evaluating_every_firm_under_it(
    registry: tuple[Path, list[dict[str, Any]]],
) -> None:
    folder, cases = registry
    effects = {(e.name, e.value): e for e in reading_effects(POLICY, folder)}
    assert list(effects) == reading_alternatives(POLICY)
    baseline = [_open_rows(POLICY, case) for case in cases]
    base_fen = sum(amount for rows in baseline for _, amount in rows.values())
    moved = 0
    for (name, value), effect in effects.items():
        variant = POLICY.with_readings({name: value})
        fen, firms, claims = 0, set(), 0
        for case, before in zip(cases, baseline, strict=True):
            after = _open_rows(variant, case)
            fen += sum(amount for _, amount in after.values())
            if after != before:
                claims += 1
                firms.add(case["enterprise"]["credit_code"])
        assert effect.baseline_fen == base_fen, name
        assert (effect.alternative_fen, effect.cases_changed, effect.firms_changed) == (
            fen,
            claims,
            len(firms),
        ), (name, value)
        moved += claims > 0
    # the registry carries firms out of Wuhan, penalties, paid and pending awards of other
    # policies, upgrades and edge dates: most alternatives change someone
    assert moved >= 8, moved
