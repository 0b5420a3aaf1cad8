"""The supervisor page's task form (the API takes TaskUpdate and NoteIn from service.py)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from huiqi.platform.tasks.service import NoteIn, TaskUpdate


class TaskForm(BaseModel):
    """Status, progress, due date and a progress note; a field left blank is left unchanged."""

    FORM_MESSAGES: ClassVar[dict[str, str]] = {
        "progress_percent": "进度应为 0–100 的整数",
        "due_date": "期限应为日期（YYYY-MM-DD）",
        "status": "状态不在可选范围内",
        "note": "进展说明不能超过 5000 字",
    }
    status: Literal["not_started", "in_progress", "done", "blocked"] | None = None
    progress_percent: int | None = Field(default=None, ge=0, le=100)
    due_date: dt.date | None = None
    note: str | None = Field(default=None, max_length=5000)

    def changes(self) -> TaskUpdate | None:
        fields = self.model_dump(exclude_unset=True, exclude={"note"})
        return TaskUpdate(**fields) if fields else None

    def note_in(self) -> NoteIn | None:
        return NoteIn(note=self.note) if self.note else None
