"""The campaign job: screen the registry, freeze candidates, push them — in bulk.

Two phases. Reading (no write lock on SQLite; progress reported): the bulk engine screens every
firm, the credit check runs as two queries, and each remaining candidate's case JSON is built
and evaluated in columnar batches. Writing (one transaction, after locking the job row): the
applications, pushes and audit entries go in as bulk inserts, the audit hash chain computed in
memory. A job killed in either phase has written nothing, so it simply runs again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application, frozen_snapshot
from huiqi.platform.applications.schemas import ApplicationOut
from huiqi.platform.applications.service import snapshot
from huiqi.platform.audit.service import record, record_many
from huiqi.platform.bulk_insert import JsonText, insert_rows, reserve_ids
from huiqi.platform.campaigns import bulk
from huiqi.platform.campaigns.freeze import freeze_all
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.campaigns.screening import screen
from huiqi.platform.clock import business_today
from huiqi.platform.dashboard import rollup
from huiqi.platform.db import utcnow
from huiqi.platform.engine import platform_policy, platform_readings
from huiqi.platform.jobs.kinds import JobKind, register
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.runner import JobContext
from huiqi.platform.policy import get_policy

log = logging.getLogger("huiqi.platform")
BATCH = 2000  # cases per columnar evaluation, and per progress report


class OfferedRow(NamedTuple):
    """What the lifecycle's check reads of a campaign's new application before its row exists:
    the firm, the measure, the district that routes it, no status yet."""

    enterprise_id: int
    measure_id: str
    district: str | None
    status: str | None = None


@dataclass
class Frozen:
    enterprise_id: int
    project_id: int | None
    facts: JsonText  # serialised once, in the freezing worker, and written as it is
    evaluation: JsonText
    amount_fen: int
    district: str | None


def compute(
    ctx: JobContext | None, db: Session, camp: Campaign, day: dt.date
) -> tuple[int, list[Frozen], int]:
    """(firms screened, frozen candidates, bulk/single mismatches) — reads only."""
    # the policy under the platform's credit readings: the firms the submission gate allows
    pol = platform_policy(db, day)
    # the frozen facts carry those readings, as `case_of_firm` puts them in a firm's own case,
    # and are evaluated under the package's policy: the facts alone replay the answer
    readings = platform_readings(db, day)
    taken = {
        (eid, key)
        for eid, key, status in db.execute(
            select(Application.enterprise_id, Application.project_key, Application.status).where(
                Application.measure_id == camp.measure_id,
                Application.fiscal_year == camp.fiscal_year,
            )
        )
        if status != "draft"
    }
    screened, found = screen(db, pol, camp.measure_id, camp.fiscal_year, day)
    blocked = bulk.blocked_by_credit(db, business_today())
    todo = [
        c
        for c in found
        if (c.enterprise_id, c.project_id or 0) not in taken and c.enterprise_id not in blocked
    ]
    if ctx is not None:
        ctx.progress(
            0, len(todo), f"已筛查 {screened:,} 家企业，{len(todo):,} 家候选，正在冻结快照"
        )
    frozen: list[Frozen] = []
    mismatches = 0
    parts = [todo[start : start + BATCH] for start in range(0, len(todo), BATCH)]
    districts: dict[int, str] = {}

    def batches() -> Iterator[tuple[list[dict[str, Any]], list[int | None]]]:
        for part in parts:
            cases = bulk.cases_of_firms(
                db, [c.enterprise_id for c in part], camp.fiscal_year, day, readings
            )
            for eid, case in cases.items():
                districts[eid] = case["enterprise"]["district"]
            yield [cases[c.enterprise_id] for c in part], [c.project_id for c in part]

    done = 0

    def report(n: int) -> None:
        nonlocal done
        done += n
        if ctx is not None:
            ctx.progress(done, len(todo), f"已冻结 {done:,} / {len(todo):,} 份候选申报的快照")

    results = freeze_all(get_policy(), camp.measure_id, batches(), len(todo), report)
    for part, answers in zip(parts, results, strict=True):
        for cand, answer in zip(part, answers, strict=True):
            if answer.status != "eligible" or answer.amount_fen != cand.amount_fen:
                # the columnar screen and the case evaluation disagree: push nothing rather
                # than a wrong amount, and say so in the log and the job's result
                log.warning(
                    "bulk/single mismatch for firm %s measure %s",
                    cand.enterprise_id,
                    camp.measure_id,
                )
                mismatches += 1
                continue
            frozen.append(
                Frozen(
                    cand.enterprise_id, cand.project_id, answer.facts, answer.evaluation,
                    cand.amount_fen, districts[cand.enterprise_id],
                )
            )  # fmt: skip
    return screened, frozen, mismatches


def write(db: Session, p: Any, camp: Campaign, frozen: list[Frozen], *, actor_name: str) -> int:
    """Write candidates, pushes and audit entries in bulk; returns the number pushed."""
    pol = get_policy()
    # keys and statuses only: a re-run finds tens of thousands of frozen candidates, whose
    # snapshots need not be loaded; the few drafts it takes over are loaded whole below
    existing = {
        (eid, key): (app_id, status)
        for app_id, eid, key, status in db.execute(
            select(
                Application.id, Application.enterprise_id, Application.project_key,
                Application.status,
            ).where(
                Application.measure_id == camp.measure_id,
                Application.fiscal_year == camp.fiscal_year,
            )
        )
    }  # fmt: skip
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    drafts: list[tuple[Application, Frozen]] = []
    for f in frozen:
        have = existing.get((f.enterprise_id, f.project_id or 0))
        if have is not None and have[1] != "draft":
            continue  # the firm applied while the campaign was screening
        if have is not None:
            draft = db.get(Application, have[0])
            assert draft is not None
            drafts.append((draft, f))
            continue
        new_rows.append(
            {
                "enterprise_id": f.enterprise_id, "measure_id": camp.measure_id,
                "fiscal_year": camp.fiscal_year, "project_id": f.project_id,
                "project_key": f.project_id or 0, "source": "campaign",
                **frozen_snapshot(pol, f.facts, f.evaluation, "eligible", f.amount_fen),
                "created_by": actor_name, "district": f.district,
                "idempotency_key": None, "requested_amount_fen": None,
                "decided_amount_fen": None, "decision_reason": None, "statement": "",
                "submitted_at": now, "first_submitted_at": None, "application_date": None,
                "round_id": None, "version": 1, "updated_at": now,
            }
        )  # fmt: skip
    pushes: list[dict[str, Any]] = []
    # a firm's own unsent draft does not stop the push: the campaign takes it over, as a
    # submission does (the draft was only a preview; the candidate is frozen now). Drafts are
    # few: each moves through the lifecycle on its own, before the bulk audit entries.
    for app, f in drafts:
        before = snapshot(app)
        for name, value in {
            **frozen_snapshot(pol, orjson.loads(bytes(f.facts)),
                              orjson.loads(bytes(f.evaluation)), "eligible", f.amount_fen),
            "source": "campaign", "created_by": actor_name, "district": f.district,
        }.items():  # fmt: skip
            setattr(app, name, value)
        lifecycle.LIFECYCLE.move(db, app, p, Action.OFFER, before=before)
        pushes.append(_push(camp, app.enterprise_id, app.id, now))
    audit: list[tuple[str, str, Any, Any, Any]] = []
    if new_rows:
        # every status write goes through the lifecycle table: one check for the batch
        # (same measure, no row yet), then its target status and audit action for every row
        rule = lifecycle.check_batch(
            p, [OfferedRow(r["enterprise_id"], r["measure_id"], r["district"]) for r in new_rows],
            Action.OFFER, new=True,
        )  # fmt: skip
        ids = reserve_ids(db, Application.__table__, len(new_rows))
        for app_id, row in zip(ids, new_rows, strict=True):
            row["id"] = app_id
            row["status"] = rule.target.value
        insert_rows(db, Application.__table__, new_rows)
        # the dashboard's counts, in the same transaction: all new rows share one bucket
        bucket = rollup.bucket_of(camp.fiscal_year, rule.target.value, now, None, None)
        if bucket is not None:
            rollup.add_counts(db, [(bucket, len(new_rows), 0)])
        for row, after in zip(new_rows, application_views(new_rows), strict=True):
            audit.append((rule.audit, "application", row["id"], None, after))
            pushes.append(_push(camp, row["enterprise_id"], row["id"], now))
    insert_rows(db, CampaignPush.__table__, pushes)
    record_many(db, p, audit, json_ready=True)
    return len(pushes)


def application_views(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`ApplicationOut.model_validate(row).model_dump(mode="json")` of each row, validated
    once: the rows differ only in ints, strings and None (kept as they are in JSON); their
    dates and times are one shared value, dumped once with the first row."""
    if not rows:
        return []
    first = rows[0]
    template = ApplicationOut.model_validate(first).model_dump(mode="json")
    plain = [k for k in template if isinstance(first[k], (int, str)) or first[k] is None]
    shared = [k for k in template if k not in plain]
    out = []
    for row in rows:
        view = dict(template)
        for k in plain:
            value = row[k]
            if not (isinstance(value, (int, str)) or value is None) or isinstance(value, bool):
                return [ApplicationOut.model_validate(r).model_dump(mode="json") for r in rows]
            view[k] = value
        for k in shared:
            if row[k] != first[k]:
                return [ApplicationOut.model_validate(r).model_dump(mode="json") for r in rows]
        out.append(view)
    return out


def _push(camp: Campaign, enterprise_id: int, app_id: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "campaign_id": camp.id, "enterprise_id": enterprise_id, "application_id": app_id,
        "channel": "platform", "pushed_at": now, "response": "pending", "responded_at": None,
    }  # fmt: skip


def run(ctx: JobContext) -> None:
    campaign_id = int(ctx.params["campaign_id"])
    day = dt.date.fromisoformat(ctx.params["as_of"])
    with ctx.write() as db:
        camp = db.get(Campaign, campaign_id)
        assert camp is not None
        camp.status = "running"
        db.commit()
    ctx.progress(0, None, "正在读取企业库并批量筛查")
    with ctx.read() as db:
        camp = db.get(Campaign, campaign_id)
        assert camp is not None
        screened, frozen, mismatches = compute(ctx, db, camp, day)
        db.rollback()
    ctx.progress(len(frozen), len(frozen), f"正在写入 {len(frozen):,} 份候选申报与推送")
    with ctx.write() as db:
        job = ctx.own(db)
        p = ctx.principal(db)
        camp = db.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
        assert camp is not None
        pushed = write(db, p, camp, frozen, actor_name=p.username)
        camp.screened, camp.candidates, camp.status = screened, pushed, "done"
        db.flush()
        from huiqi.platform.campaigns.service import campaign_out

        record(
            db, p, "campaign.run", "campaign", camp.id, None,
            campaign_out(camp).model_dump(mode="json", exclude={"job"}),
        )  # fmt: skip
        result = {
            "campaign_id": camp.id, "screened": screened, "candidates": pushed,
            "mismatches": mismatches,
        }  # fmt: skip
        ctx.finish(db, job, result, f"完成：筛查 {screened:,} 家企业，推送 {pushed:,} 份候选申报")
        db.commit()


def ended(db: Session, job: Job) -> None:
    """Failed or cancelled: the campaign follows, and frees its measure-and-year slot."""
    camp = db.get(Campaign, int(job.params["campaign_id"]))
    if camp is not None and camp.status not in ("done",):
        camp.status = job.status
        camp.error = job.error or job.message
        camp.active_key = None


register(JobKind("campaign", "免申即享", run, ended))
