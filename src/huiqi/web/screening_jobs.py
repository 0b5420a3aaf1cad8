"""Bulk screening jobs for the analyst page: upload -> background thread -> progress -> download.

Runs the core's `screen_table` batch by batch (the same formulas as `huiqi screen`) so the page
can report progress between batches. Jobs live in memory: they are a convenience for one
analyst session, and the result files sit in a temp directory until the server stops.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from huiqi.rules.errors import InputError
from huiqi.screening.screen import OUTPUT_SCHEMA, SCREEN_MEASURES, read_batches, screen_table
from huiqi.web.screening_names import add_names, top_firms


@dataclass
class Job:
    id: str
    filename: str
    fiscal_year: int
    as_of: dt.date
    owner: str
    dir: Path
    state: str = "queued"  # queued | running | done | failed
    rows_total: int | None = None
    rows_done: int = 0
    rows_out: int = 0
    bad_rows: int = 0
    errors: list[tuple[int, str, str, str]] = field(default_factory=list)
    totals_fen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCREEN_MEASURES, 0))
    eligible: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCREEN_MEASURES, 0))
    message: str = "排队中"
    top: list[dict[str, Any]] = field(default_factory=list)  # largest awards, named

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def output(self) -> Path:
        return self.dir / "result.parquet"

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "fiscal_year": self.fiscal_year,
            "as_of": self.as_of.isoformat(),
            "state": self.state,
            "percent": self.percent,
            "message": self.message,
            "rows_total": self.rows_total,
            "rows_done": self.rows_done,
            "rows_out": self.rows_out,
            "bad_rows": self.bad_rows,
            "errors": [
                {"row": r, "field": f, "rule": rule, "message": m}
                for r, f, rule, m in self.errors[:50]
            ],
            "totals_fen": self.totals_fen,
            "eligible": self.eligible,
            "total_fen": sum(self.totals_fen.values()),
            "top": self.top,
        }


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.root = Path(tempfile.mkdtemp(prefix="huiqi-screen-"))

    def get(self, job_id: str, owner: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def of(self, owner: str) -> list[Job]:
        return [j for j in self._jobs.values() if j.owner == owner][::-1]

    def start(
        self, policy: Any, filename: str, content: bytes, fy: int, as_of: dt.date, owner: str
    ) -> Job:
        jid = uuid.uuid4().hex[:12]
        d = self.root / jid
        d.mkdir()
        suffix = ".parquet" if filename.lower().endswith((".parquet", ".pq")) else ".csv"
        src = d / f"input{suffix}"
        src.write_bytes(content)
        job = Job(jid, filename, fy, as_of, owner, d)
        with self._lock:
            self._jobs[jid] = job
        threading.Thread(target=_run, args=(policy, job, src), daemon=True).start()
        return job


def _count_rows(path: Path) -> int | None:
    if path.suffix == ".parquet":
        return None  # read_batches knows it
    with path.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _run(policy: Any, job: Job, src: Path) -> None:
    job.state, job.message = "running", "正在读取文件"
    try:
        total_guess = _count_rows(src)
        # ~20 steps so the bar moves visibly even for a small file
        batch_rows = max(500, (total_guess or 200_000) // 20)
        batches, total = read_batches(src, batch_rows)
        job.rows_total = total if total is not None else total_guess
        with pq.ParquetWriter(job.output, OUTPUT_SCHEMA) as writer:
            for batch in batches:
                out, rep = screen_table(
                    policy, pa.Table.from_batches([batch]), job.fiscal_year, job.as_of
                )
                writer.write_table(out)
                offset = job.rows_done
                job.errors.extend((offset + r, f, rule, m) for r, f, rule, m in rep.errors)
                job.rows_done += rep.rows_in
                job.rows_out += rep.rows_out
                job.bad_rows += rep.bad_rows
                for mid in SCREEN_MEASURES:
                    job.totals_fen[mid] += rep.totals_fen[mid]
                    job.eligible[mid] += rep.eligible[mid]
                job.message = f"已筛查 {job.rows_done:,} 行" + (
                    f" / 共 {job.rows_total:,} 行" if job.rows_total else ""
                )
        if job.errors:
            with (job.dir / "errors.csv").open("w", newline="", encoding="utf-8-sig") as fh:
                w = csv.writer(fh)
                w.writerow(["行号", "字段", "规则", "说明"])
                w.writerows(job.errors)
        named = add_names(job.output, src)  # the firm's name and district, when given
        job.top = top_firms(named)
        pacsv.write_csv(named, job.dir / "result.csv")
        job.state = "done"
        job.message = f"完成：{job.rows_done:,} 行，其中 {job.bad_rows:,} 行有误未计入"
    except InputError as exc:
        job.state, job.message = "failed", "；".join(e.message for e in exc.errors)
    except Exception as exc:  # a broken upload must not kill the thread silently
        job.state, job.message = "failed", f"文件无法处理：{exc}"
