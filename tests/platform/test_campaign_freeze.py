"""Freezing in worker processes gives the records freezing in this process gives: every frozen
evaluation equals a single evaluation of the frozen facts, the audit entries are the
applications' own views, and the chain verifies."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.platform.applications.models import Application
from huiqi.platform.applications.schemas import ApplicationOut
from huiqi.platform.audit.models import AuditEntry
from huiqi.platform.audit.service import verify
from huiqi.platform.campaigns import freeze
from huiqi.platform.engine import evaluate_measure
from huiqi.platform.scale import seed_registry
from tests.helpers.jobs import run_campaign

FIRMS = 240


@pytest.mark.parametrize("processes", ["2", "1"])
def test_frozen_records_equal_single_evaluation(
    client: TestClient, app: Any, as_user: Any, monkeypatch: pytest.MonkeyPatch, processes: str
) -> None:
    monkeypatch.setattr(freeze, "PROCESS_THRESHOLD", 0)  # the pool even for a small registry
    monkeypatch.setattr("huiqi.platform.campaigns.jobs.BATCH", 25)  # several batches in flight
    monkeypatch.setenv("HUIQI_CAMPAIGN_PROCESSES", processes)
    # as in `huiqi worker`, SIGTERM only asks this process to stop: the campaign still runs
    # to its end with its freezing workers (which put the default SIGTERM back for the pool)
    stop_asked = []
    previous = signal.signal(signal.SIGTERM, lambda *_: stop_asked.append(1))
    try:
        _run_and_check(client, app, as_user)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stop_asked == []


def _run_and_check(client: TestClient, app: Any, as_user: Any) -> None:
    sm = app.state.sessionmaker
    with sm() as db:
        seed_registry(db, FIRMS, seed=7)
        db.commit()
    body = {"measure_id": "2.6.1", "fiscal_year": 2023, "title": "多进程冻结"}
    camp = run_campaign(client, app, as_user("admin"), body)
    assert camp["status"] == "done", camp
    assert camp["job"]["result"]["mismatches"] == 0
    assert camp["candidates"] > FIRMS // 10
    with sm() as db:
        apps = list(
            db.scalars(
                select(Application).where(Application.source == "campaign").order_by(Application.id)
            )
        )
        assert len(apps) == camp["candidates"]
        for a in apps:
            replay = evaluate_measure(a.facts, "2.6.1", a.project_id)
            assert a.evaluation == replay.evaluation
            assert a.engine_amount_fen == replay.amount_fen
            assert a.district == a.facts["enterprise"]["district"]
        afters = {
            e.entity_id: e.after
            for e in db.scalars(select(AuditEntry).where(AuditEntry.entity == "application"))
        }
        for a in apps:
            assert afters[str(a.id)] == ApplicationOut.model_validate(a).model_dump(mode="json")
        assert verify(db).ok
