"""Exactness of bulk campaigns on a small seeded registry, in full: every candidate's frozen
facts are the firm's case as `case_of_firm` gives it, its frozen evaluation is what a single
evaluation of those facts gives, and the candidates are exactly the firms a one-by-one
screening (single evaluation + credit check) finds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.platform.applications.frozen import compact_evaluation, is_compact, rebuild
from huiqi.platform.applications.models import Application
from huiqi.platform.audit.service import verify
from huiqi.platform.credit.service import check
from huiqi.platform.engine import case_of_firm, evaluate_measure
from huiqi.platform.enterprises.models import Enterprise, Project
from huiqi.platform.policy import get_policy
from huiqi.platform.scale import seed_registry
from tests.helpers.jobs import run_campaign

FIRMS = 300


def _sorted_awards(case: dict[str, Any]) -> dict[str, Any]:
    key = lambda a: (a["measure"], a["fiscal_year"], a.get("project", ""))  # noqa: E731
    return {**case, "prior_awards": sorted(case["prior_awards"], key=key)}


@pytest.mark.parametrize("measure_id", ["2.6.1", "2.6.2", "2.6.3", "3.1.1"])
def test_bulk_candidates_equal_one_by_one_screening(
    client: TestClient, app: Any, as_user: Any, measure_id: str
) -> None:
    sm = app.state.sessionmaker
    with sm() as db:
        seed_registry(db, FIRMS, seed=11)
        db.commit()
    body = {"measure_id": measure_id, "fiscal_year": 2023, "title": f"{measure_id} 精确性"}
    camp = run_campaign(client, app, as_user("admin"), body)
    assert camp["status"] == "done" and camp["job"]["result"]["mismatches"] == 0
    with sm() as db:
        day = dt.date.fromisoformat(
            db.scalar(select(Application.facts).where(Application.source == "campaign"))["as_of"]
        ) if camp["candidates"] else dt.date(2024, 6, 30)  # fmt: skip
        frozen = {
            (a.enterprise_id, a.project_id): a
            for a in db.scalars(
                select(Application).where(
                    Application.measure_id == measure_id, Application.source == "campaign"
                )
            )
        }
        assert len(frozen) == camp["candidates"]
        expected = set()
        for ent in db.scalars(select(Enterprise).order_by(Enterprise.id)):
            case = case_of_firm(db, ent, 2023, day)
            projects = [None]
            if measure_id == "3.1.1":
                projects = list(
                    db.scalars(select(Project.id).where(Project.enterprise_id == ent.id))
                )
            for project_id in projects:
                single = evaluate_measure(case, measure_id, project_id)
                taken = db.scalar(
                    select(Application.id).where(
                        Application.enterprise_id == ent.id,
                        Application.measure_id == measure_id,
                        Application.source != "campaign",
                    )
                )
                if single.status == "eligible" and not check(db, ent).blocked and not taken:
                    expected.add((ent.id, project_id))
                app_row = frozen.get((ent.id, project_id))
                if app_row is None:
                    continue
                # the frozen record is the one a firm's own application would carry
                assert _sorted_awards(app_row.facts) == _sorted_awards(case)
                replay = evaluate_measure(app_row.facts, measure_id, project_id)
                # stored: only what decides the money; read: the full explanation, rebuilt
                stored = app_row.stored_evaluation
                assert is_compact(stored) and "row" not in stored
                assert (stored["status"], stored["amount"]) == (
                    replay.status,
                    replay.evaluation["row"]["amount"],
                )
                assert app_row.evaluation == replay.evaluation
                assert app_row.engine_amount_fen == replay.amount_fen == single.amount_fen
        assert set(frozen) == expected
        assert len(expected) > (0 if measure_id in ("3.1.1", "2.6.3") else FIRMS // 10)
        assert verify(db).ok


def test_compact_evaluation_rebuilds_only_what_it_froze(app: Any) -> None:
    """A compact evaluation whose money the facts no longer give is refused, and one frozen
    under another policy version says it cannot be explained instead of explaining wrongly."""
    with app.state.sessionmaker() as db:
        seed_registry(db, 40, seed=3)
        db.commit()
        ent = db.scalars(select(Enterprise).order_by(Enterprise.id)).first()
        assert ent is not None
        case = case_of_firm(db, ent, 2023, dt.date(2024, 6, 30))
    single = evaluate_measure(case, "2.6.1", None)
    pol = get_policy()
    row = single.evaluation["row"]
    amount = row["amount"] if row else None
    good = compact_evaluation("2.6.1", None, single.status, amount)
    assert rebuild(good, case, pol.id, pol.version) == single.evaluation
    with pytest.raises(ValueError, match="不一致"):
        rebuild({**good, "amount": "1.00"}, case, pol.id, pol.version)
    other = rebuild(good, case, pol.id, "another-version")
    assert other["row"] is None and "无法重建" in other["unavailable"]
