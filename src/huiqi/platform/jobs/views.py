from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from huiqi.platform.deps import Anyone, Db
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.jobs import service
from huiqi.platform.jobs.schemas import JobOut, job_out

router = APIRouter(prefix="/jobs", tags=["后台任务"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=list[JobOut], summary="我的后台任务（管理员：全部），新的在前")
def list_jobs(
    db: Db,
    p: Anyone,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    before_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="翻页：上一页最小的 id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[JobOut]:
    return [job_out(j) for j in service.list_visible(db, p, kind, before_id, limit)]


@router.get("/{job_id}", response_model=JobOut, summary="任务状态与进度")
def get_job(db: Db, p: Anyone, job_id: Id) -> JobOut:
    return job_out(service.get_visible(db, p, job_id))


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    summary="取消任务（运行中的在下一次进度汇报时停止，写入全部撤销）",
)
def cancel_job(db: Db, p: Anyone, job_id: Id) -> JobOut:
    return job_out(service.request_cancel(db, p, job_id))
