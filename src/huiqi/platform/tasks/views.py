from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select

from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.tasks import service
from huiqi.platform.tasks.models import PolicyTask, TaskNote

router = APIRouter(prefix="/tasks", tags=["政策任务"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
# Supervisors follow up all tasks; city officers report on their own units' tasks.
Worker = Annotated[Principal, Depends(require("supervisor", "admin", "city_officer"))]


@router.get("", response_model=list[service.TaskOut], summary="政策任务（每个责任单位一行）")
def list_tasks(
    db: Db,
    p: Worker,
    status: Annotated[str | None, Query(max_length=16)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool = False,
) -> list[PolicyTask]:

    q = select(PolicyTask).order_by(PolicyTask.task_id, PolicyTask.id)
    if p.role == "city_officer":
        q = q.where(PolicyTask.unit.in_(p.units))
    if status:
        q = q.where(PolicyTask.status == status)
    if unit:
        q = q.where(PolicyTask.unit == unit)
    if overdue:
        q = q.where(PolicyTask.due_date < business_today(), PolicyTask.status != "done")
    return list(db.scalars(q))


@router.patch("/{task_row_id}", response_model=service.TaskOut, summary="更新任务状态、进度、期限")
def update_task(db: Db, p: Worker, task_row_id: Id, body: service.TaskUpdate) -> PolicyTask:
    return service.update(db, p, task_row_id, body)


@router.post(
    "/{task_row_id}/notes", response_model=service.NoteOut, status_code=201, summary="添加进展说明"
)
def add_note(db: Db, p: Worker, task_row_id: Id, body: service.NoteIn) -> TaskNote:
    return service.add_note(db, p, task_row_id, body)


@router.get("/{task_row_id}/notes", response_model=list[service.NoteOut], summary="进展说明")
def notes(db: Db, p: Worker, task_row_id: Id) -> list[TaskNote]:
    row = service.get_row(db, p, task_row_id)
    return list(
        db.scalars(select(TaskNote).where(TaskNote.task_row_id == row.id).order_by(TaskNote.id))
    )
