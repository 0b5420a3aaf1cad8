"""The job worker: claim a job, run its handler with a lease kept alive by a heartbeat thread,
record the outcome. Run by `huiqi worker`, and by the worker process `huiqi serve` starts.

A handler sees a `JobContext`: its parameters and files, sessions for reading and writing,
`progress()` (which also answers cancellation), a private temporary directory (removed when
the job ends; directories left by a killed worker are removed when a worker next starts) and
`finish()`, which must be called inside the handler's final write transaction so that the
job's effects and its "done" commit together.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.db import WRITE_TX
from huiqi.platform.errors import ApiError
from huiqi.platform.jobs import service
from huiqi.platform.jobs.kinds import kind_of, load_all
from huiqi.platform.jobs.models import CANCELLED, FAILED, Job
from huiqi.rules.errors import InputError

log = logging.getLogger("huiqi.jobs")
TEMP_PREFIX = "huiqi-job-"
_TEMP_NAME = re.compile(r"^huiqi-job-\d+-(\d+)-")


class JobContext:
    def __init__(
        self, sm: sessionmaker[Session], job: Job, worker: str, lease_seconds: int
    ) -> None:
        self.sm = sm
        self.job_id = job.id
        self.kind = job.kind
        self.params: dict[str, Any] = dict(job.params or {})
        self.owner = job.owner
        self.title = job.title
        self.worker = worker
        self.lease_seconds = lease_seconds
        self.cancel_requested = False
        self._temp: Path | None = None

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A reading session: on SQLite a deferred BEGIN, so no write lock is held while the
        job computes (web requests keep writing meanwhile)."""
        token = WRITE_TX.set(False)
        try:
            with self.sm() as db:
                yield db
        finally:
            WRITE_TX.reset(token)

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        token = WRITE_TX.set(True)
        try:
            with self.sm() as db:
                yield db
        finally:
            WRITE_TX.reset(token)

    def principal(self, db: Session) -> Principal:
        """The job's owner as they are now: a disabled account's jobs do not run."""
        from sqlalchemy import select

        user = db.scalar(select(User).where(User.username == self.owner))
        if user is None or not user.active:
            raise ApiError(403, "forbidden", f"账号 {self.owner} 已停用，任务不再执行")
        return Principal.of(user)

    def input(self, name: str = "input") -> tuple[str, bytes]:
        with self.read() as db:
            f = service.file_of(db, self.job_id, name)
            if f is None:
                raise ApiError(422, "file", "任务的输入文件已不存在", "file")
            return f.filename, f.content

    def check_cancel(self) -> None:
        if self.cancel_requested:
            raise service.JobCancelled(self.job_id)

    def progress(self, done: int, total: int | None, message: str) -> None:
        """Store progress (its own short transaction) and stop here if cancelled."""
        with self.write() as db:
            self.cancel_requested = service.report_progress(
                db, self.job_id, self.worker, done, total, message
            )
        self.check_cancel()

    def own(self, db: Session) -> Job:
        """Lock the job row in the handler's final transaction: effects are written only while
        this worker still holds the job, and not after a cancellation."""
        job = service._owned(db, self.job_id, self.worker)
        if job.cancel_requested:
            raise service.JobCancelled(self.job_id)
        return job

    def finish(
        self,
        db: Session,
        job: Job,
        result: dict[str, Any],
        message: str,
        outputs: list[service.NewFile] | None = None,
    ) -> None:
        service.finish(db, job, result, message, outputs or [])

    @property
    def temp_dir(self) -> Path:
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{self.job_id}-{os.getpid()}-"))
        return self._temp

    def cleanup(self) -> None:
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None


def _summary(errors: list[dict[str, str]]) -> str:
    """The reason a person reads: the first few field errors, with their places."""
    shown = [f"{e['path']}：{e['message']}" if e.get("path") else e["message"] for e in errors[:3]]
    more = f"（共 {len(errors)} 处错误）" if len(errors) > 3 else ""
    return "；".join(shown) + more


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_temp_dirs(root: Path | None = None) -> list[Path]:
    """Remove job directories whose worker process no longer exists (killed mid-job)."""
    removed = []
    base = root or Path(tempfile.gettempdir())
    for d in base.glob(f"{TEMP_PREFIX}*"):
        m = _TEMP_NAME.match(d.name)
        if m and d.is_dir() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


class Worker:
    def __init__(
        self,
        sm: sessionmaker[Session],
        *,
        name: str | None = None,
        lease_seconds: int = service.DEFAULT_LEASE_SECONDS,
        poll_seconds: float = 1.0,
    ) -> None:
        self.sm = sm
        self.name = name or service.worker_name()
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds

    def run_one(self) -> int | None:
        """Reap expired leases, then claim and run one job. Returns its id, or None if idle."""
        with self.sm() as db:
            service.reap_expired(db)
            job_id = service.claim(db, self.name, self.lease_seconds)
            if job_id is None:
                return None
            job = db.get(Job, job_id)
            assert job is not None
            ctx = JobContext(self.sm, job, self.name, self.lease_seconds)
        self._execute(ctx)
        return job_id

    def _execute(self, ctx: JobContext) -> None:
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(ctx, stop), daemon=True)
        beat.start()
        status, reason = None, ""
        errors: list[dict[str, str]] | None = None
        try:
            kind_of(ctx.kind).run(ctx)
        except service.JobCancelled:
            status, reason = CANCELLED, "已取消；任务的写入已全部撤销"
        except service.LeaseLost:
            log.warning("job %s: lease lost, its work was not written", ctx.job_id)
        except ApiError as e:
            errors = e.errors
            status, reason = FAILED, _summary(errors)
        except InputError as e:
            errors = [x.to_json() for x in e.errors]
            status, reason = FAILED, _summary(errors)
        except Exception as e:  # the worker must survive any one job
            log.exception("job %s failed", ctx.job_id)
            status, reason = FAILED, f"内部错误：{type(e).__name__}: {e}"
        finally:
            stop.set()
            beat.join(timeout=5)
            ctx.cleanup()
        if status is not None:
            with self.sm() as db:
                result = {"errors": errors} if errors else None
                service.fail_or_cancel(db, ctx.job_id, self.name, status, reason, result)

    def _heartbeat(self, ctx: JobContext, stop: threading.Event) -> None:
        while not stop.wait(max(1.0, self.lease_seconds / 3)):
            try:
                with ctx.write() as db:
                    if service.heartbeat(db, ctx.job_id, self.name, self.lease_seconds):
                        ctx.cancel_requested = True
            except service.LeaseLost:
                return
            except Exception:  # a missed beat is retried; the lease allows two more
                log.warning("job %s: heartbeat failed", ctx.job_id, exc_info=True)

    def run_until_idle(self) -> list[int]:
        """Run queued jobs until none is left (`huiqi worker --once`, tests)."""
        done = []
        while (job_id := self.run_one()) is not None:
            done.append(job_id)
        return done

    def run_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        load_all()
        sweep_temp_dirs()
        log.info("job worker %s started", self.name)
        while not stop.is_set():
            try:
                ran = self.run_one()
            except Exception:
                log.exception("job worker %s: queue unavailable", self.name)
                ran = None
            if ran is None:
                stop.wait(self.poll_seconds)


def run_worker_process(
    database_url: str, *, lease_seconds: int = service.DEFAULT_LEASE_SECONDS, once: bool = False
) -> int:
    """Entry of `huiqi worker` and of the worker process `huiqi serve` starts."""
    import signal

    from huiqi.platform.db import make_engine, make_sessionmaker
    from huiqi.platform.policy import get_policy

    engine = make_engine(database_url)
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    get_policy()
    worker = Worker(make_sessionmaker(engine), lease_seconds=lease_seconds)
    try:
        if once:
            worker.run_until_idle()
        else:
            worker.run_forever(stop)
    finally:
        engine.dispose()
    return 0


def wait_for(sm: sessionmaker[Session], job_id: int, timeout: float = 60.0) -> Job:
    """Poll until the job has finished (tests, CLI)."""
    deadline = time.monotonic() + timeout
    while True:
        with sm() as db:
            job = db.get(Job, job_id)
            assert job is not None
            if job.finished_at is not None or time.monotonic() > deadline:
                return job
        time.sleep(0.1)
