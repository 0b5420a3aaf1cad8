"""The job queue: enqueue, claim, lease, progress, cancel, finish — all through the database.

No job state lives in a process: every web worker reads the same rows, and any number of job
workers claim from the same queue. Each step is its own short transaction, except `enqueue`,
which joins the caller's (a campaign row and its job commit together or not at all).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from huiqi.platform.auth.service import Principal
from huiqi.platform.db import utcnow
from huiqi.platform.errors import ApiError, not_found
from huiqi.platform.jobs.models import (
    CANCELLED,
    DONE,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    Job,
    JobFile,
)

DEFAULT_LEASE_SECONDS = 60


class LeaseLost(Exception):
    """This worker no longer holds the job (its lease ran out and the job went elsewhere)."""


class JobCancelled(Exception):
    """Cancellation was requested; the handler stops and its transaction rolls back."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class NewFile:
    name: str
    filename: str
    media_type: str
    content: bytes


def enqueue(
    db: Session,
    p: Principal,
    kind: str,
    title: str,
    params: dict[str, Any],
    files: list[NewFile] | None = None,
    *,
    max_attempts: int = 3,
) -> Job:
    """Add a queued job in the caller's transaction (the caller commits)."""
    job = Job(
        kind=kind,
        status=QUEUED,
        owner=p.username,
        owner_role=p.role,
        title=title,
        params=params,
        progress_done=0,
        message="排队中",
        cancel_requested=False,
        attempts=0,
        max_attempts=max_attempts,
    )
    db.add(job)
    db.flush()
    for f in files or []:
        db.add(
            JobFile(
                job_id=job.id,
                name=f.name,
                filename=f.filename,
                media_type=f.media_type,
                content=f.content,
            )
        )
    db.flush()
    return job


def _visible(p: Principal) -> Select[Job]:
    q = select(Job)
    return q if p.role == "admin" else q.where(Job.owner == p.username)


def get_visible(db: Session, p: Principal, job_id: int) -> Job:
    job = db.scalar(_visible(p).where(Job.id == job_id))
    if job is None:
        raise not_found("任务", "job_id")
    return job


def list_visible(
    db: Session,
    p: Principal,
    kind: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Job]:
    """Newest first; `before_id` pages on (keyset: the cost does not grow with the table)."""
    q = _visible(p)
    if kind:
        q = q.where(Job.kind == kind)
    if before_id:
        q = q.where(Job.id < before_id)
    return list(db.scalars(q.order_by(Job.id.desc()).limit(limit)))


def file_of(db: Session, job_id: int, name: str) -> JobFile | None:
    return db.scalar(select(JobFile).where(JobFile.job_id == job_id, JobFile.name == name))


def request_cancel(db: Session, p: Principal, job_id: int) -> Job:
    """A queued job is cancelled at once; a running one stops at its next progress report."""
    from huiqi.platform.jobs.kinds import kind_of

    job = db.scalar(_visible(p).where(Job.id == job_id).with_for_update())
    if job is None:
        raise not_found("任务", "job_id")
    if job.status in FINISHED:
        raise ApiError(409, "job_finished", "任务已结束，不能取消", "job_id")
    if job.status == QUEUED:
        _end(db, job, CANCELLED, f"已由 {p.username} 取消（未开始运行）")
        kind_of(job.kind).ended(db, job)
    else:
        job.cancel_requested = True
        job.message = "正在取消…"
    db.commit()
    return job


def _end(db: Session, job: Job, status: str, message: str, error: str | None = None) -> None:
    job.status = status
    job.message = message
    job.error = error
    job.finished_at = utcnow()
    job.lease_expires_at = None
    db.execute(JobFile.__table__.delete().where(JobFile.job_id == job.id, JobFile.name == "input"))


# ---- the worker's side ---------------------------------------------------------------------


def claim(db: Session, worker: str, lease_seconds: int = DEFAULT_LEASE_SECONDS) -> int | None:
    """Take the oldest queued job for `worker`, or None. Commits.

    PostgreSQL: the subquery locks the row it picks and skips rows other workers hold, so
    concurrent claimers never wait for or take the same job. SQLite: the write transaction
    (BEGIN IMMEDIATE) serialises claimers and the `status = 'queued'` guard makes the update
    a no-op if the row was taken in between.
    """
    now = utcnow()
    pick = select(Job.id).where(Job.status == QUEUED).order_by(Job.id).limit(1)
    if db.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        update(Job)
        .where(Job.id == pick.scalar_subquery(), Job.status == QUEUED)
        .values(
            status=RUNNING,
            worker=worker,
            attempts=Job.attempts + 1,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
            heartbeat_at=now,
            started_at=now,
            message="运行中",
        )
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    job_id = db.execute(stmt).scalar()
    db.commit()
    return job_id


def _owned(db: Session, job_id: int, worker: str) -> Job:
    job = db.scalar(select(Job).where(Job.id == job_id).with_for_update())
    if job is None or job.status != RUNNING or job.worker != worker:
        db.rollback()
        raise LeaseLost(job_id)
    return job


def heartbeat(db: Session, job_id: int, worker: str, lease_seconds: int) -> bool:
    """Renew the lease; returns whether cancellation was requested. Commits."""
    job = _owned(db, job_id, worker)
    now = utcnow()
    job.heartbeat_at = now
    job.lease_expires_at = now + dt.timedelta(seconds=lease_seconds)
    cancel = job.cancel_requested
    db.commit()
    return cancel


def report_progress(
    db: Session, job_id: int, worker: str, done: int, total: int | None, message: str
) -> bool:
    """Store progress; returns whether cancellation was requested. Commits."""
    job = _owned(db, job_id, worker)
    job.progress_done, job.progress_total, job.message = done, total, message
    cancel = job.cancel_requested
    db.commit()
    return cancel


def finish(
    db: Session,
    job: Job,
    result: dict[str, Any],
    message: str,
    outputs: Sequence[NewFile] = (),
) -> None:
    """Mark done in the caller's transaction: the job's own writes and its end commit together."""
    job.result = result
    if job.progress_total is not None:
        job.progress_done = job.progress_total
    for f in outputs:
        db.add(
            JobFile(
                job_id=job.id,
                name=f.name,
                filename=f.filename,
                media_type=f.media_type,
                content=f.content,
            )
        )
    _end(db, job, DONE, message)


def fail_or_cancel(
    db: Session,
    job_id: int,
    worker: str | None,
    status: str,
    reason: str,
    result: dict[str, Any] | None = None,
) -> None:
    """End a job that did not finish (its own work rolled back). Commits."""
    from huiqi.platform.jobs.kinds import kind_of

    job = db.scalar(select(Job).where(Job.id == job_id).with_for_update())
    if job is None or job.status in FINISHED or (worker is not None and job.worker != worker):
        db.rollback()
        return
    _end(db, job, status, reason, reason if status == FAILED else None)
    if result is not None:
        job.result = result
    kind_of(job.kind).ended(db, job)
    db.commit()


def reap_expired(db: Session) -> list[int]:
    """Jobs whose worker stopped renewing its lease: queue them again, or fail them after their
    last attempt, with the reason. Each kind's work commits only at its end, so a job that
    lost its worker has written nothing and can start over. Commits."""
    from huiqi.platform.jobs.kinds import kind_of

    now = utcnow()
    q = select(Job).where(Job.status == RUNNING, Job.lease_expires_at < now)
    if db.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    touched = []
    for job in db.scalars(q):
        touched.append(job.id)
        lost = f"工作进程 {job.worker} 中断（{job.lease_expires_at:%H:%M:%S} UTC 前未续租）"
        if job.attempts < job.max_attempts:
            job.status = QUEUED
            job.message = f"{lost}，已重新排队（已尝试 {job.attempts} 次）"
            job.worker = None
            job.lease_expires_at = None
            job.progress_done, job.progress_total = 0, None
        else:
            _end(db, job, FAILED, f"{lost}，已尝试 {job.attempts} 次，任务失败", lost)
            kind_of(job.kind).ended(db, job)
    db.commit()
    return touched
