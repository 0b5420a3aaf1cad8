"""A campaign's verdicts come from the bulk screen; the job checks them against single
evaluations of the frozen snapshots, and its write is all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from huiqi.platform.applications.models import Application
from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.audit.service import verify
from huiqi.platform.campaigns import jobs
from huiqi.platform.campaigns.models import CampaignPush
from huiqi.platform.dashboard.rollup import DashboardCount
from huiqi.platform.engine import evaluate_measure
from huiqi.platform.scale import seed_registry
from tests.helpers.jobs import run_campaign

FIRMS = 150
BODY = {"measure_id": "2.6.1", "fiscal_year": 2023, "title": "核对"}


def _seed(app: Any) -> None:
    with app.state.sessionmaker() as db:
        seed_registry(db, FIRMS, seed=5)
        db.commit()


def _campaign_apps(app: Any) -> list[Application]:
    with app.state.sessionmaker() as db:
        return list(db.scalars(select(Application).where(Application.source == "campaign")))


def test_sampled_run_freezes_every_candidate_as_a_single_evaluation_gives(
    client: TestClient, app: Any, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path a large registry takes (only a sample re-evaluated in the job): every
    candidate's frozen evaluation is still the single evaluation of its frozen facts."""
    monkeypatch.setattr(jobs, "CHECK_ALL_UP_TO", 0)
    monkeypatch.setattr(jobs, "SAMPLE", 5)
    _seed(app)
    camp = run_campaign(client, app, as_user("admin"), BODY)
    result = camp["job"]["result"]
    assert camp["status"] == "done" and camp["candidates"] > FIRMS // 10, camp
    assert (result["checked_one_by_one"], result["checked_batch"], result["mismatches"]) == (
        5,
        0,
        0,
    )
    apps = _campaign_apps(app)
    assert len(apps) == camp["candidates"]
    for a in apps:
        single = evaluate_measure(a.facts, "2.6.1", a.project_id)
        assert single.status == "eligible" and a.engine_status == "eligible"
        assert a.engine_amount_fen == single.amount_fen
        assert a.evaluation == single.evaluation  # the compact record, rebuilt on reading
    with app.state.sessionmaker() as db:
        assert verify(db).ok


@pytest.mark.parametrize("sample", ["all sampled", "all checked"])
def test_a_verdict_the_snapshot_does_not_give_is_not_pushed(
    client: TestClient, app: Any, as_user: Any, monkeypatch: pytest.MonkeyPatch, sample: str
) -> None:
    """One screen verdict off by a fen: the sample (or the full check on a small registry)
    finds it, every candidate is then re-evaluated, and only that one is left out."""
    if sample == "all sampled":
        monkeypatch.setattr(jobs, "CHECK_ALL_UP_TO", 0)
        monkeypatch.setattr(jobs, "SAMPLE", 10**6)
    real = jobs.screen_registry
    wrong: list[int] = []

    def off_by_a_fen(*args: Any, **kwargs: Any) -> Any:
        n, found, reg = real(*args, **kwargs)
        found[0].amount_fen += 1
        wrong.append(found[0].enterprise_id)
        return n, found, reg

    monkeypatch.setattr(jobs, "screen_registry", off_by_a_fen)
    _seed(app)
    camp = run_campaign(client, app, as_user("admin"), BODY)
    result = camp["job"]["result"]
    assert camp["status"] == "done" and result["mismatches"] == 1, camp
    assert result["checked_batch"] == camp["candidates"] + 1
    pushed = {a.enterprise_id for a in _campaign_apps(app)}
    assert len(pushed) == camp["candidates"] and wrong[0] not in pushed


def test_a_failure_mid_write_leaves_nothing_written(
    client: TestClient, app: Any, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Applications and pushes are in (same transaction) when the audit write fails: the job
    fails, and none of them, no audit entry and no dashboard count remain; a new run works."""
    _seed(app)
    sm = app.state.sessionmaker

    def state() -> tuple[int, int, int, list[tuple[Any, ...]]]:
        with sm() as db:
            return (
                db.scalar(select(func.count()).select_from(Application)) or 0,
                db.scalar(select(func.count()).select_from(CampaignPush)) or 0,
                db.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                [tuple(r) for r in db.execute(select(DashboardCount.__table__))],
            )

    real = jobs.record_many
    seen: list[int] = []

    def fail_after_the_rows(db: Any, *args: Any, **kwargs: Any) -> int:
        # the rows are written in this transaction: the failure is mid-write
        seen.append(
            db.scalar(select(func.count()).select_from(CampaignPush)) or 0,
        )
        raise RuntimeError("写入审计日志时断电")

    before = state()
    monkeypatch.setattr(jobs, "record_many", fail_after_the_rows)
    camp = run_campaign(client, app, as_user("admin"), BODY)
    assert camp["status"] == "failed" and "断电" in (camp["error"] or ""), camp
    assert seen and seen[0] > FIRMS // 10
    after = state()
    assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])
    with sm() as db:
        # the new entries are a login and the campaign's creation; none of the batch's
        new = db.scalars(select(AuditEntry.entity).where(AuditEntry.seq > before[2])).all()
        assert len(new) == after[2] - before[2] and "application" not in new, new
        assert verify(db).ok
    monkeypatch.setattr(jobs, "record_many", real)
    again = run_campaign(client, app, as_user("admin"), BODY)
    assert again["status"] == "done" and again["candidates"] == seen[0]
    with sm() as db:
        assert verify(db).ok
