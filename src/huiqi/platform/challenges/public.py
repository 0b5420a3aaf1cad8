"""What the public board shows without login: the published tasks, which are open, and the
results — the 揭榜成功 units (lead and 联合体 members) and the outcome of each assessment.
Bids still under review, plans, budgets and scores stay with the board's officers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.challenges import lifecycle, service
from huiqi.platform.challenges.assessment import MEASURE
from huiqi.platform.challenges.models import ChallengeBid, ChallengeTask
from huiqi.platform.challenges.schemas import TaskOut
from huiqi.platform.clock import business_today
from huiqi.platform.policy import get_policy

# statuses a result is published for: selected, and what became of the selected project
RESULTS = service.CHOSEN


def result_of(db: Session, bid: ChallengeBid) -> dict[str, Any]:
    parties = service.parties(db, bid)
    return {
        "bid_id": bid.id,
        "status": bid.status,
        "status_zh": lifecycle.LIFECYCLE.status_label(bid.status),
        "lead": next((x.name for x in parties if x.role == "lead"), ""),
        "members": [x.name for x in parties if x.role == "member"],
        "selection_reason": bid.selection_reason,
        "assessment_passed": bid.assessment_passed,
        "assessment_date": bid.assessment_date,
    }


def task_entry(db: Session, task: ChallengeTask) -> dict[str, Any]:
    q = select(ChallengeBid).where(
        ChallengeBid.task_id == task.id, ChallengeBid.status.in_(RESULTS)
    )
    results = [result_of(db, b) for b in db.scalars(q.order_by(ChallengeBid.id))]
    return {
        **TaskOut.model_validate(task).model_dump(),
        "open": service.is_open(task) and not results,
        "state": "已确定揭榜方" if results else ("揭榜中" if service.is_open(task) else "已截止"),
        "results": results,
    }


def board(db: Session) -> dict[str, Any]:
    out = []
    for batch in service.batches(db):
        tasks = [task_entry(db, t) for t in service.tasks_of(db, batch.id)]
        out.append(
            {"id": batch.id, "year": batch.year, "title": batch.title, "unit": batch.unit,
             "tasks": tasks}
        )  # fmt: skip
    return {"today": business_today(), "batches": out, "award": award_measure()}


def award_measure() -> dict[str, str]:
    """The money measure the board pays, in the policy's own words: the page quotes the text
    rather than paraphrasing it, so another policy's board reads its own clause."""
    spec = get_policy().measures[MEASURE]
    return {"id": spec.id, "clause": spec.clause_ref, "words": spec.words,
            "summary": spec.summary, "unit": lifecycle.board_unit()}  # fmt: skip
