"""The campaign job: screen the registry, freeze candidates, push them — in bulk.

Two phases. Reading (no write lock on SQLite; progress reported): the registry is read once;
the bulk engine screens every firm from it, the credit check runs over it, and each remaining
candidate's snapshot is built from the same rows — its case JSON, and the screen's own verdict
(status, amount) as its compact evaluation. A random sample of candidates is then evaluated
one by one from their snapshots, and every candidate when they are few or the sample finds a
difference (`check`). Writing (one transaction, after locking the job row): the applications,
pushes and audit entries go in as bulk inserts, the audit hash chain computed in memory. A job
killed in either phase has written nothing, so it simply runs again.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.frozen import compact_evaluation
from huiqi.platform.applications.lifecycle import Action
from huiqi.platform.applications.models import Application, frozen_snapshot
from huiqi.platform.applications.schemas import ApplicationOut
from huiqi.platform.applications.service import snapshot
from huiqi.platform.audit.service import record, record_many
from huiqi.platform.bulk_insert import JsonText, insert_rows, reserve_ids_at_once
from huiqi.platform.campaigns import bulk
from huiqi.platform.campaigns.freeze import freeze_all
from huiqi.platform.campaigns.models import Campaign, CampaignPush
from huiqi.platform.campaigns.screening import screen_registry
from huiqi.platform.clock import business_today
from huiqi.platform.dashboard import rollup
from huiqi.platform.db import utcnow
from huiqi.platform.engine import evaluate_measure, platform_policy, platform_readings
from huiqi.platform.jobs.kinds import JobKind, register
from huiqi.platform.jobs.models import Job
from huiqi.platform.jobs.runner import JobContext
from huiqi.platform.policy import get_policy
from huiqi.rules.money import fen_to_str

log = logging.getLogger("huiqi.platform")
BATCH = 2000  # cases per columnar evaluation when every candidate is checked
SAMPLE = 64  # candidates re-evaluated one by one in every campaign, drawn at random
CHECK_ALL_UP_TO = 5000  # up to this many candidates, every one is re-evaluated as well


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
) -> tuple[int, list[Frozen], dict[str, int]]:
    """(firms screened, frozen candidates, what the check found) — reads only."""
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
    screened, found, reg = screen_registry(db, pol, camp.measure_id, camp.fiscal_year, day)
    blocked = bulk.blocked_by_credit(db, business_today(), reg)
    todo = [
        c
        for c in found
        if (c.enterprise_id, c.project_id or 0) not in taken and c.enterprise_id not in blocked
    ]
    if ctx is not None:
        ctx.progress(
            0, len(todo), f"已筛查 {screened:,} 家企业，{len(todo):,} 家候选，正在冻结快照"
        )
    # each candidate's snapshot: its case JSON from the rows the screen read, and the screen's
    # own verdict (status, amount) as the compact evaluation; serialised once, written as is
    cases = bulk.cases_of(reg, [c.enterprise_id for c in todo], camp.fiscal_year, day, readings)
    frozen = []
    for c in todo:
        case = cases[c.enterprise_id]
        evaluation = compact_evaluation(
            camp.measure_id, c.project_id, "eligible", fen_to_str(c.amount_fen)
        )
        frozen.append(
            Frozen(
                c.enterprise_id, c.project_id, JsonText(orjson.dumps(case)),
                JsonText(orjson.dumps(evaluation)), c.amount_fen, case["enterprise"]["district"],
            )
        )  # fmt: skip
    if ctx is not None:
        ctx.progress(
            len(frozen), len(frozen),
            f"已冻结 {len(frozen):,} 份候选申报的快照，正在抽样逐一核对测算",
        )  # fmt: skip
    bad, checked = check(ctx, frozen, camp.measure_id, seed=camp.id)
    for i in sorted(bad):
        # the bulk screen and the evaluation of the candidate's snapshot disagree: push
        # nothing rather than a wrong amount, and say so in the log and the job's result
        log.warning(
            "bulk/single mismatch for firm %s measure %s",
            frozen[i].enterprise_id,
            camp.measure_id,
        )
    checked["mismatches"] = len(bad)
    return screened, [f for i, f in enumerate(frozen) if i not in bad], checked


def check(
    ctx: JobContext | None, frozen: list[Frozen], measure_id: str, *, seed: int
) -> tuple[set[int], dict[str, int]]:
    """The candidates (indices) whose frozen verdict a re-evaluation of their snapshot does not
    give, and how many were re-evaluated each way.

    A random sample is evaluated one by one, exactly as a firm's own application is (the
    frozen facts, read back from their JSON). Every candidate is re-evaluated (the rules
    core's batch path, which answers each case as a single evaluation does) when there are
    few, or when the sample finds any difference: then no candidate is pushed on the screen's
    word alone."""
    rng = random.Random(seed)
    sample = rng.sample(range(len(frozen)), min(SAMPLE, len(frozen)))
    bad = set()
    for i in sample:
        f = frozen[i]
        single = evaluate_measure(orjson.loads(bytes(f.facts)), measure_id, f.project_id)
        if (single.status, single.amount_fen) != ("eligible", f.amount_fen):
            bad.add(i)
    checked = {"checked_one_by_one": len(sample), "checked_batch": 0}
    if len(frozen) > CHECK_ALL_UP_TO and not bad:
        return bad, checked
    if ctx is not None:
        ctx.progress(0, len(frozen), f"正在复核全部 {len(frozen):,} 份候选申报的测算")
    parts = [
        range(start, min(start + BATCH, len(frozen))) for start in range(0, len(frozen), BATCH)
    ]
    done = 0

    def report(n: int) -> None:
        nonlocal done
        done += n
        if ctx is not None:
            ctx.progress(done, len(frozen), f"已核对 {done:,} / {len(frozen):,} 份候选申报的测算")

    batches = (
        ([orjson.loads(bytes(frozen[i].facts)) for i in part], [frozen[i].project_id for i in part])
        for part in parts
    )
    answers = freeze_all(get_policy(), measure_id, batches, len(frozen), report)
    for part, verdicts in zip(parts, answers, strict=True):
        for i, verdict in zip(part, verdicts, strict=True):
            if verdict != ("eligible", frozen[i].amount_fen):
                bad.add(i)
    checked["checked_batch"] = len(frozen)
    return bad, checked


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
        ids = reserve_ids_at_once(db, Application.__table__, len(new_rows))
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
    plain = [k for k in template if type(first[k]) in _AS_IS]
    shared = [k for k in template if k not in plain]
    take_plain, take_shared = _getter(plain), _getter(shared)
    same = take_shared(first)
    out = []
    for row in rows:
        values = take_plain(row)
        if not _AS_IS.issuperset(map(type, values)) or take_shared(row) != same:
            return [ApplicationOut.model_validate(r).model_dump(mode="json") for r in rows]
        view = dict(template)
        view.update(zip(plain, values, strict=True))
        out.append(view)
    return out


# values a JSON dump gives as they are (bool is an int, but pydantic might coerce it)
_AS_IS = frozenset({int, str, type(None)})


def _getter(keys: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of `keys` in a row, always as a tuple (`itemgetter` of one key is not)."""
    if len(keys) > 1:
        return itemgetter(*keys)
    return lambda row: tuple(row[k] for k in keys)


def _push(camp: Campaign, enterprise_id: int, app_id: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "campaign_id": camp.id, "enterprise_id": enterprise_id, "application_id": app_id,
        "channel": "platform", "pushed_at": now, "response": "pending", "responded_at": None,
    }  # fmt: skip


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector off while a campaign runs. The job holds the registry
    (hundreds of thousands of rows) and builds a row per candidate; every few thousand new
    objects the collector would walk all of them again, which took a third of the job's CPU.
    The job makes no reference cycles worth collecting meanwhile; on again afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def run(ctx: JobContext) -> None:
    with no_cyclic_gc():
        _run(ctx)


def _run(ctx: JobContext) -> None:
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
        screened, frozen, checked = compute(ctx, db, camp, day)
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
            **checked,
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
