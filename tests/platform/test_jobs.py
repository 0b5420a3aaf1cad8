"""The durable job queue: progress, cancellation, one campaign per measure and year, jobs seen by
every web worker, and a worker killed with -9 whose job is run again by another."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from huiqi.platform.audit.service import verify
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.db import utcnow
from huiqi.platform.jobs import service
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.runner import Worker, sweep_temp_dirs
from huiqi.server import create_app
from tests.helpers.api import AsUser, login
from tests.helpers.jobs import drain

API = "/api/v1"
BODY = {"measure_id": "2.6.3", "fiscal_year": 2023, "title": "DCMM 免申即享"}


def test_progress_result_and_a_second_campaign_is_409(
    client: TestClient, app: Any, as_user: AsUser
) -> None:
    city = as_user("city_kj")
    r = client.post(f"{API}/campaigns", json=BODY, headers=city)
    assert r.status_code == 202 and r.json()["status"] == "queued"
    job_id = r.json()["job_id"]
    job = client.get(f"{API}/jobs/{job_id}", headers=city).json()
    assert job["status"] == "queued" and job["percent"] == 0 and job["kind_label"] == "免申即享"
    # while the first is queued, the same measure and year is a conflict naming it
    again = client.post(f"{API}/campaigns", json={**BODY, "title": "重复"}, headers=city)
    assert again.status_code == 409
    err = again.json()["errors"][0]
    assert err["rule"] == "campaign_exists" and err["path"] == "measure_id"
    assert f"第 {r.json()['id']} 号" in err["message"]
    # another firm's officer cannot see the job; the owner and admin can
    assert client.get(f"{API}/jobs/{job_id}", headers=as_user("city_jx")).status_code == 404
    assert client.get(f"{API}/jobs/{job_id}", headers=as_user("admin")).status_code == 200
    assert drain(app) == [job_id]
    job = client.get(f"{API}/jobs/{job_id}", headers=city).json()
    assert job["status"] == "done" and job["percent"] == 100
    assert job["result"]["candidates"] == 1 and job["result"]["screened"] == 3
    assert "推送 1 份" in job["message"]
    # progress went through the stages (the last stored before "done": the write stage)
    with app.state.sessionmaker() as db:
        stored = db.get(Job, job_id)
        assert stored.progress_total == 1 and stored.progress_done == 1
        assert verify(db).ok
    # done also blocks a second campaign; cancelling a finished job is a 409
    assert client.post(f"{API}/campaigns", json=BODY, headers=city).status_code == 409
    assert client.post(f"{API}/jobs/{job_id}/cancel", headers=city).status_code == 409


def test_cancel_queued_and_running(client: TestClient, app: Any, as_user: AsUser) -> None:
    city = as_user("city_kj")
    first = client.post(f"{API}/campaigns", json=BODY, headers=city).json()
    r = client.post(f"{API}/jobs/{first['job_id']}/cancel", headers=city)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    camp = client.get(f"{API}/campaigns/{first['id']}", headers=city).json()
    assert camp["status"] == "cancelled"
    assert drain(app) == []  # nothing left to run
    # a cancelled campaign frees its measure and year
    second = client.post(f"{API}/campaigns", json=BODY, headers=city).json()
    assert second["status"] == "queued"
    # a running job stops at its next progress report, and writes nothing
    sm = app.state.sessionmaker
    with sm() as db:
        assert service.claim(db, "w1") == second["job_id"]
    assert client.post(f"{API}/jobs/{second['job_id']}/cancel", headers=city).json()[
        "cancel_requested"
    ]
    from huiqi.platform.jobs.kinds import kind_of
    from huiqi.platform.jobs.runner import JobContext

    worker = Worker(sm, name="w1")
    with sm() as db:
        ctx = JobContext(sm, db.get(Job, second["job_id"]), "w1", 60)
    worker._execute(ctx)  # the claimed job, run by the worker that holds it
    assert kind_of("campaign").label == "免申即享"
    job = client.get(f"{API}/jobs/{second['job_id']}", headers=city).json()
    assert job["status"] == "cancelled" and "撤销" in job["message"]
    with sm() as db:
        assert db.scalars(select(CampaignPush)).all() == []
        assert db.get(Campaign, second["id"]).status == "cancelled"


def test_two_web_workers_see_the_same_job(database_url: str, app: Any) -> None:
    """Two app instances (as two web worker processes would be) share no memory: a job
    started through one is seen, run and cancelled through the other."""
    other = create_app(database_url)
    try:
        with TestClient(app) as a, TestClient(other) as b:
            ha, hb = login(a, "city_kj"), login(b, "city_kj")
            started = a.post(f"{API}/campaigns", json=BODY, headers=ha).json()
            seen = b.get(f"{API}/jobs/{started['job_id']}", headers=hb)
            assert seen.status_code == 200 and seen.json()["status"] == "queued"
            assert b.post(f"{API}/campaigns", json=BODY, headers=hb).status_code == 409
            Worker(other.state.sessionmaker).run_until_idle()
            assert a.get(f"{API}/jobs/{started['job_id']}", headers=ha).json()["status"] == "done"
            listed = b.get(f"{API}/jobs", headers=hb).json()
            assert [j["id"] for j in listed] == [started["job_id"]]
    finally:
        other.state.engine.dispose()


def _registry_csv(rows: int) -> bytes:
    lines = ["credit_code,software_enterprise,revenue,revenue_previous_year,rd_expense,dcmm_level"]
    lines += [f"91420100MA4K5Q8U19,true,{8_000_000 + i},5000000,1300000,4" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_killed_worker_s_job_runs_again_elsewhere(
    database_url: str, app: Any, tmp_path: Path
) -> None:
    """kill -9 of `huiqi worker` mid-job: nothing is half-written; once the lease runs out the
    job is queued again and another worker completes it; the dead worker's temp dir is swept."""
    sm = app.state.sessionmaker
    with sm() as db:
        from huiqi.platform.auth.models import User
        from huiqi.platform.auth.service import Principal

        analyst = Principal.of(db.scalar(select(User).where(User.username == "analyst")))
        params = {"filename": "big.csv", "fiscal_year": 2023, "as_of": "2024-06-30"}
        data = _registry_csv(300_000)
        job_id = service.enqueue(
            db, analyst, "screening", "big", params,
            [service.NewFile("input", "big.csv", "text/csv", data)],
        ).id  # fmt: skip
        db.commit()
    # The worker's working directories go to a folder of this test's own: a sweep by any other
    # process on the machine (another test run's worker starting) cannot take them first.
    worker_tmp = tmp_path / "worker-tmp"
    worker_tmp.mkdir()
    env = {**os.environ, "HUIQI_DATABASE_URL": database_url, "TMPDIR": str(worker_tmp)}
    cmd = [sys.executable, "-m", "huiqi.cli.worker_cmd", "--lease", "10"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # generous: a loaded machine may take long to start the worker and load the policy
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with sm() as db:
                job = db.get(Job, job_id)
            if job.status == "running" and job.progress_done > 0:
                break  # inside the job, between two batches
            assert job.status in ("queued", "running"), job.message
            assert proc.poll() is None, "the worker exited before it was killed"
            time.sleep(0.05)
        assert job.status == "running" and job.progress_done > 0, job.message
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    left = list(worker_tmp.glob(f"huiqi-job-{job_id}-{proc.pid}-*"))
    assert left, "the killed worker had a working directory"
    with sm() as db:
        job = db.get(Job, job_id)
        assert job.status == "running" and job.attempts == 1
        assert service.file_of(db, job_id, "result.csv") is None  # nothing half-written
        lease_ends = job.lease_expires_at
    assert lease_ends is not None
    # the lease the killed worker last renewed runs out (judged as reap_expired judges it)
    while utcnow() <= lease_ends:
        time.sleep(0.1)
    assert set(left) <= set(sweep_temp_dirs(worker_tmp))
    assert not any(d.exists() for d in left)
    assert Worker(sm, name="second").run_until_idle() == [job_id]
    with sm() as db:
        job = db.get(Job, job_id)
        assert job.status == "done" and job.attempts == 2, job.message
        assert job.result["rows_done"] == 300_000
        assert service.file_of(db, job_id, "input") is None  # the upload is dropped when done
        assert service.file_of(db, job_id, "result.csv") is not None


def test_a_job_out_of_attempts_fails_with_its_reason(
    app: Any, as_user: AsUser, client: TestClient
) -> None:
    city = as_user("city_kj")
    started = client.post(f"{API}/campaigns", json=BODY, headers=city).json()
    sm = app.state.sessionmaker
    with sm() as db:
        job = db.get(Job, started["job_id"])
        job.max_attempts = 1
        db.commit()
        assert service.claim(db, "gone-worker", lease_seconds=0) == job.id
    time.sleep(0.05)
    with sm() as db:
        assert service.reap_expired(db) == [started["job_id"]]
    job = client.get(f"{API}/jobs/{started['job_id']}", headers=city).json()
    assert job["status"] == "failed" and "gone-worker" in job["error"] and "中断" in job["error"]
    camp = client.get(f"{API}/campaigns/{started['id']}", headers=city).json()
    assert camp["status"] == "failed" and camp["error"]
    # a failed campaign frees the slot
    assert client.post(f"{API}/campaigns", json=BODY, headers=city).status_code == 202
