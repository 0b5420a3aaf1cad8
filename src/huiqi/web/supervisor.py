"""Supervisor task board: the policy's non-money tasks, one row per responsible unit, grouped by
unit, overdue ones highlighted; status, progress, due date and notes can be updated."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import func, select

from huiqi.platform.errors import ApiError
from huiqi.platform.matching.lifecycle import TASK_ID as MATCHING_TASK
from huiqi.platform.tasks import service as tasks
from huiqi.platform.tasks.models import TASK_STATUSES, PolicyTask, TaskNote
from huiqi.web.common import beijing_today, form_dict, open_db, people
from huiqi.web.render import TASK_STATUS_ZH, page, redirect
from huiqi.web.session import need

router = APIRouter(prefix="/supervisor")
# tasks the platform carries out itself: the board links them to their pages
PROGRAMMES = {MATCHING_TASK: ("/matching", "供需对接平台")}


def board(
    db: Any, units: tuple[str, ...], today: dt.date, unit: str = "", only_overdue: bool = False
) -> dict[str, Any]:
    q = select(PolicyTask).order_by(PolicyTask.unit, PolicyTask.task_id)
    if units:
        q = q.where(PolicyTask.unit.in_(units))
    notes = dict(
        db.execute(select(TaskNote.task_row_id, func.count()).group_by(TaskNote.task_row_id)).all()
    )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    all_units: list[str] = []
    overdue_n = 0
    for t in db.scalars(q):
        if t.unit not in all_units:
            all_units.append(t.unit)
        overdue = t.due_date is not None and t.due_date < today and t.status != "done"
        overdue_n += overdue
        if (unit and t.unit != unit) or (only_overdue and not overdue):
            continue
        groups[t.unit].append(
            {
                "id": t.id,
                "task_id": t.task_id,
                "clause_id": t.clause_id,
                "title": t.title,
                "lead": t.lead,
                "status": t.status,
                "progress_percent": t.progress_percent,
                "due_date": t.due_date,
                "overdue": overdue,
                "days_overdue": (today - t.due_date).days if overdue and t.due_date else 0,
                "notes": notes.get(t.id, 0),
                "programme": PROGRAMMES.get(t.task_id),
            }
        )
    return {
        "today": today,
        "units": [
            {
                "unit": u,
                "tasks": rows,
                "overdue": sum(r["overdue"] for r in rows),
                "done": sum(r["status"] == "done" for r in rows),
            }
            for u, rows in groups.items()
        ],
        "unit_names": all_units,
        "overdue_total": overdue_n,
        "filters": {"unit": unit, "overdue": only_overdue},
        "statuses": [(s, TASK_STATUS_ZH[s]) for s in TASK_STATUSES],
    }


@router.get("/tasks", summary="任务督办看板")
def task_board(request: Request, unit: str = "", overdue: str = "") -> Response:
    user = need(request, "supervisor", "city_officer")
    units = user.principal.units if user.role == "city_officer" else ()
    with open_db(request) as db:
        data = board(db, units, beijing_today(), unit[:64], overdue == "1")
    return page(request, "supervisor.html", data, title="任务督办")


@router.get("/tasks/{row_id}", summary="任务详情与进展")
def task_detail(request: Request, row_id: int) -> Response:
    user = need(request, "supervisor", "city_officer")
    with open_db(request) as db:
        try:
            row = tasks.get_row(db, user.principal, row_id)
        except ApiError as exc:
            from huiqi.web.render import html_error

            return html_error(request, exc.status, exc.errors[0]["message"])
        notes = list(
            db.scalars(select(TaskNote).where(TaskNote.task_row_id == row.id).order_by(TaskNote.id))
        )
        who = people(db, {n.author for n in notes})  # unit and role, never the account
        data: dict[str, Any] = {
            "task": tasks.TaskOut.model_validate(row).model_dump(),
            "notes": [
                {"author": who[n.author], "note": n.note, "created_at": n.created_at} for n in notes
            ],
            "statuses": [(s, TASK_STATUS_ZH[s]) for s in TASK_STATUSES],
        }
        db.rollback()  # get_row locks FOR UPDATE; this page only reads
    return page(request, "task.html", data, title=f"任务 {data['task']['task_id']}")


@router.post("/tasks/{row_id}", summary="更新任务")
async def task_update(request: Request, row_id: int) -> Response:
    user = need(request, "supervisor", "city_officer")
    form = form_dict(await request.form())
    changes: dict[str, Any] = {}
    if form.get("status"):
        changes["status"] = form["status"]
    if form.get("progress_percent", "").strip():
        changes["progress_percent"] = form["progress_percent"].strip()
    if form.get("due_date"):
        changes["due_date"] = form["due_date"]
    back = (
        form.get("back") if form.get("back", "").startswith("/supervisor/") else "/supervisor/tasks"
    )
    with open_db(request) as db:
        try:
            if changes:
                tasks.update(db, user.principal, row_id, tasks.TaskUpdate(**changes))
            if form.get("note", "").strip():
                tasks.add_note(
                    db, user.principal, row_id, tasks.NoteIn(note=form["note"].strip()[:5000])
                )
        except ValidationError as exc:
            fields = {str(e["loc"][0]) for e in exc.errors()}
            zh = {
                "progress_percent": "进度应为 0–100 的整数",
                "due_date": "期限应为日期（YYYY-MM-DD）",
                "status": "状态不在可选范围内",
            }
            msg = "；".join(zh.get(f, f"{f} 填写有误") for f in sorted(fields))
            return redirect(request, f"{back}?msg={msg}", status_code=303)
        except ApiError as exc:
            return redirect(request, f"{back}?msg={exc.errors[0]['message']}", status_code=303)
    return redirect(request, f"{back}?msg=任务已更新", status_code=303)
