"""Policy tasks (the clauses that carry no money): seeded from the policy, one row per unit."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import ApiError, not_found
from huiqi.platform.policy import get_policy
from huiqi.platform.tasks.models import PolicyTask, TaskNote


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    task_id: str
    clause_id: str
    title: str
    unit: str
    lead: bool
    status: str
    progress_percent: int
    due_date: dt.date | None
    updated_at: dt.datetime


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["not_started", "in_progress", "done", "blocked"] | None = None
    progress_percent: int | None = Field(default=None, ge=0, le=100)
    due_date: dt.date | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=5000, description="进展说明")


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    author: str
    note: str
    created_at: dt.datetime


def seed_tasks(db: Session) -> int:
    """Create missing task rows from the policy (idempotent). Default due date: window end."""
    pol = get_policy()
    have = {(t, u) for t, u in db.execute(select(PolicyTask.task_id, PolicyTask.unit))}
    n = 0
    for task in pol.tasks:
        for i, unit in enumerate(task.units):
            if (task.id, unit) in have:
                continue
            db.add(
                PolicyTask(
                    task_id=task.id,
                    clause_id=task.clause_id,
                    title=task.title,
                    unit=unit,
                    lead=i == 0,
                    due_date=pol.window_end,
                )
            )
            n += 1
    db.flush()
    return n


def board_rows(db: Session, units: tuple[str, ...]) -> list[tuple[PolicyTask, int]]:
    """The task rows of `units` (all when empty) in unit order, each with its note count."""
    q = select(PolicyTask).order_by(PolicyTask.unit, PolicyTask.task_id)
    if units:
        q = q.where(PolicyTask.unit.in_(units))
    counts = dict(
        db.execute(select(TaskNote.task_row_id, func.count()).group_by(TaskNote.task_row_id)).all()
    )
    return [(t, counts.get(t.id, 0)) for t in db.scalars(q)]


def notes_of(db: Session, p: Principal, row_id: int) -> tuple[PolicyTask, list[TaskNote]]:
    """The task row `p` may see and its notes, oldest first (read only: no row lock)."""
    row = db.get(PolicyTask, row_id)
    if row is None or (p.role == "city_officer" and row.unit not in p.units):
        raise not_found("任务", "task_id")
    notes = db.scalars(select(TaskNote).where(TaskNote.task_row_id == row.id).order_by(TaskNote.id))
    return row, list(notes)


def get_row(db: Session, p: Principal, row_id: int) -> PolicyTask:
    row = db.scalar(select(PolicyTask).where(PolicyTask.id == row_id).with_for_update())
    if row is None:
        raise not_found("任务", "task_id")
    if p.role == "city_officer" and row.unit not in p.units:
        raise not_found("任务", "task_id")
    return row


def update(db: Session, p: Principal, row_id: int, data: TaskUpdate) -> PolicyTask:
    row = get_row(db, p, row_id)
    before = TaskOut.model_validate(row).model_dump(mode="json")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("status") is None and "status" in changes:
        raise ApiError(422, "null", "状态不能为空", "status")
    if changes.get("progress_percent") is None and "progress_percent" in changes:
        raise ApiError(422, "null", "进度不能为空", "progress_percent")
    for k, v in changes.items():
        setattr(row, k, v)
    if row.status == "done":
        row.progress_percent = 100
    db.flush()
    record(
        db,
        p,
        "task.update",
        "task",
        row.id,
        before,
        TaskOut.model_validate(row).model_dump(mode="json"),
    )
    db.commit()
    return row


def add_note(db: Session, p: Principal, row_id: int, data: NoteIn) -> TaskNote:
    row = get_row(db, p, row_id)
    note = TaskNote(task_row_id=row.id, author=p.username, note=data.note)
    db.add(note)
    db.flush()
    record(db, p, "task.note", "task", row.id, None, {"note": data.note})
    db.commit()
    return note
