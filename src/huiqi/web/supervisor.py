"""Supervisor task board: the policy's non-money tasks, one row per responsible unit, grouped by
unit, overdue ones highlighted; status, progress, due date and notes can be updated."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from huiqi.platform.errors import ApiError
from huiqi.platform.matching.lifecycle import TASK_ID as MATCHING_TASK
from huiqi.platform.tasks import service as tasks
from huiqi.platform.tasks.models import TASK_STATUSES
from huiqi.platform.tasks.schemas import TaskForm
from huiqi.web.common import beijing_today, form_dict, people
from huiqi.web.deps import PageDb, require_page
from huiqi.web.forms import read_form
from huiqi.web.render import TASK_STATUS_ZH, page, redirect
from huiqi.web.session import WebUser

router = APIRouter(prefix="/supervisor")
SupervisorUser = Annotated[WebUser, Depends(require_page("supervisor", "city_officer"))]
# tasks the platform carries out itself: the board links them to their pages
PROGRAMMES = {MATCHING_TASK: ("/matching", "供需对接平台")}


def board(
    db: PageDb, units: tuple[str, ...], today: dt.date, unit: str = "", only_overdue: bool = False
) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    all_units: list[str] = []
    overdue_n = 0
    for t, notes in tasks.board_rows(db, units):
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
                "notes": notes,
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
def task_board(
    request: Request, user: SupervisorUser, db: PageDb, unit: str = "", overdue: str = ""
) -> Response:
    units = user.principal.units if user.role == "city_officer" else ()
    data = board(db, units, beijing_today(), unit[:64], overdue == "1")
    return page(request, "supervisor.html", data, title="任务督办")


@router.get("/tasks/{row_id}", summary="任务详情与进展")
def task_detail(request: Request, user: SupervisorUser, db: PageDb, row_id: int) -> Response:
    row, notes = tasks.notes_of(db, user.principal, row_id)
    who = people(db, {n.author for n in notes})  # unit and role, never the account
    data: dict[str, Any] = {
        "task": tasks.TaskOut.model_validate(row).model_dump(),
        "notes": [
            {"author": who[n.author], "note": n.note, "created_at": n.created_at} for n in notes
        ],
        "statuses": [(s, TASK_STATUS_ZH[s]) for s in TASK_STATUSES],
    }
    return page(request, "task.html", data, title=f"任务 {data['task']['task_id']}")


@router.post("/tasks/{row_id}", summary="更新任务")
async def task_update(request: Request, user: SupervisorUser, db: PageDb, row_id: int) -> Response:
    form = form_dict(await request.form())
    back = (
        form.get("back") if form.get("back", "").startswith("/supervisor/") else "/supervisor/tasks"
    )
    body, errors = read_form(TaskForm, form)
    if body is None:
        msg = "；".join(errors[f] for f in sorted(errors))
        return redirect(request, f"{back}?msg={msg}", status_code=303)
    try:
        changes = body.changes()
        if changes is not None:
            tasks.update(db, user.principal, row_id, changes)
        note = body.note_in()
        if note is not None:
            tasks.add_note(db, user.principal, row_id, note)
    except ApiError as exc:
        return redirect(request, f"{back}?msg={exc.errors[0]['message']}", status_code=303)
    return redirect(request, f"{back}?msg=任务已更新", status_code=303)
