from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from huiqi.platform.enterprises.schemas import Year
from huiqi.platform.jobs.kinds import label_of
from huiqi.platform.jobs.models import DONE, STATUS_ZH, Job


class JobOut(BaseModel):
    id: int
    kind: str = Field(
        description="campaign 免申即享 | enterprise_import 企业导入 | screening 批量筛查"
    )
    kind_label: str
    status: str = Field(description="queued | running | done | failed | cancelled")
    status_label: str
    title: str
    owner: str
    percent: int = Field(description="0–100；总量未知时为 0")
    progress_done: int
    progress_total: int | None
    message: str
    result: dict[str, Any] | None
    error: str | None
    cancel_requested: bool
    attempts: int
    max_attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def job_out(job: Job) -> JobOut:
    if job.status == DONE:
        percent = 100
    elif job.progress_total:
        percent = min(99, job.progress_done * 100 // job.progress_total)
    else:
        percent = 0
    return JobOut(
        id=job.id,
        kind=job.kind,
        kind_label=label_of(job.kind),
        status=job.status,
        status_label=STATUS_ZH.get(job.status, job.status),
        title=job.title,
        owner=job.owner,
        percent=percent,
        progress_done=job.progress_done,
        progress_total=job.progress_total,
        message=job.message,
        result=job.result,
        error=job.error,
        cancel_requested=job.cancel_requested,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


class ScreeningForm(BaseModel):
    """The analyst page's 批量筛查 form, besides the uploaded file (checked by the page)."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "fiscal_year": "请填写四位年度，如 2023",
        "as_of": "应为日期（YYYY-MM-DD）",
    }
    fiscal_year: Year
    as_of: dt.date
