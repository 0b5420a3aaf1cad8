"""Submitting and reading applications.

Submission is one transaction: the snapshot (case JSON), the engine's evaluation, the row and its
audit entry commit together, so a crash leaves either a complete application or none. The
idempotency key and the (firm, measure, year, project) unique constraint make retries and
double clicks harmless even when two requests race.

A withdrawn (撤回) claim may be applied for again: the new submission takes over the withdrawn
row as version n+1 (like an amendment: fresh snapshot and evaluation, version n archived
unchanged), so the unique constraint still allows exactly one application per claim and the
whole history stays on one record. The archived version keeps its submission's
Idempotency-Key, so retrying either submission answers with this application.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.access import get_visible_app as get_visible_app
from huiqi.platform.applications.access import measures_of_units as measures_of_units
from huiqi.platform.applications.access import scope_query as scope_query
from huiqi.platform.applications.lifecycle import Action, Status
from huiqi.platform.applications.models import (
    SNAPSHOT_COLUMNS,
    Application,
    ApplicationVersion,
    frozen_snapshot,
    snapshot_of,
)
from huiqi.platform.applications.schemas import ApplicationIn
from huiqi.platform.applications.schemas import snapshot as snapshot
from huiqi.platform.applications.statuses import REOPENABLE
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.credit.service import ensure_not_blocked
from huiqi.platform.db import utcnow
from huiqi.platform.engine import case_of_firm, evaluate_measure
from huiqi.platform.enterprises.models import Enterprise, Project
from huiqi.platform.enterprises.service import get_visible
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.pagination import Page, bounded_count, keyset_page
from huiqi.platform.policy import cap_fen, get_policy, measure
from huiqi.platform.reviews.models import ReviewStep
from huiqi.rules.money import format_yuan
from huiqi.rules.policy import MeasureSpec

if TYPE_CHECKING:  # materials imports this module; the call below imports it late
    from huiqi.platform.materials.service import Submission


def _full_key(p: Principal, key: str | None) -> str | None:
    # Keys are scoped per user: one firm's key can never collide with, or reveal, another's.
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 128:
        raise ApiError(
            422, "idempotency_key", "Idempotency-Key 长度应为 1–128 个字符", "Idempotency-Key"
        )
    return f"{p.user_id}:{key}"


def _same_request(app: Application, data: ApplicationIn) -> bool:
    return (app.enterprise_id, app.measure_id, app.fiscal_year, app.project_id) == (
        data.enterprise_id,
        data.measure_id,
        data.fiscal_year,
        data.project_id,
    )


def by_key(db: Session, key: str | None) -> Application | None:
    """The application a (full) Idempotency-Key submitted, also when a re-application after
    withdrawal has since replaced the row's key (the old key is on the archived version)."""
    if key is None:
        return None
    app = db.scalar(select(Application).where(Application.idempotency_key == key))
    if app is not None:
        return app
    app_id = db.scalar(
        select(ApplicationVersion.application_id)
        .where(ApplicationVersion.idempotency_key == key)
        .limit(1)
    )
    return None if app_id is None else db.get(Application, app_id)


def _replay(db: Session, key: str | None, data: ApplicationIn) -> Application | None:
    prior = by_key(db, key)
    if prior is not None and not _same_request(prior, data):
        raise ApiError(
            422,
            "idempotency_mismatch",
            "该 Idempotency-Key 已用于另一份不同的申报，请换一个新键",
            "Idempotency-Key",
        )
    return prior


def check_project(
    db: Session, ent: Enterprise, spec: MeasureSpec, project_id: int | None
) -> Project | None:
    if spec.level != "project":
        if project_id is not None:
            raise ApiError(
                422, "project_not_allowed", f"措施 {spec.id} 按企业申报，不填项目", "project_id"
            )
        return None
    if project_id is None:
        raise ApiError(422, "required", f"措施 {spec.id} 按项目申报，请选择项目", "project_id")
    proj = db.get(Project, project_id)
    if proj is None or proj.enterprise_id != ent.id:
        raise ApiError(404, "not_found", "项目不存在或不属于该企业", "project_id")
    from huiqi.platform.vouchers.models import Voucher  # late: vouchers imports this module

    if db.scalar(select(Voucher.id).where(Voucher.project_id == proj.id)) is not None:
        raise ApiError(
            409,
            "voucher_project",
            "该项目是小微企业服务券的项目，由服务券兑付办理，不能另行申报",
            "project_id",
        )
    if spec.source.kinds and proj.kind not in spec.source.kinds:
        raise ApiError(
            422,
            "project_kind",
            f"措施 {spec.id} 只适用于 {'、'.join(spec.source.kinds)} 类项目",
            "project_id",
        )
    return proj


def new_application(
    db: Session,
    p: Principal,
    ent: Enterprise,
    data: ApplicationIn,
    *,
    status: str,
    source: str,
    key: str | None,
) -> Application:
    """Freeze facts + evaluation into a new (unflushed) application; the caller commits."""
    spec = measure(data.measure_id)
    check_project(db, ent, spec, data.project_id)
    if data.requested_amount_fen is not None:
        cap = cap_fen(spec.id, data.fiscal_year)
        if cap is not None and data.requested_amount_fen > cap:
            raise ApiError(
                422,
                "over_cap",
                f"申请金额超过该措施上限 {format_yuan(cap)}",
                "requested_amount_fen",
            )
    # 申报日: the Beijing date of this submission, never one the firm chooses
    today = business_today()
    case = case_of_firm(db, ent, data.fiscal_year, today)
    out = evaluate_measure(case, spec.id, data.project_id)
    # a computed measure's amount is the formula's; only a row the rules leave to review
    # (3.2.1 without a published standard) carries the amount the firm asks for
    computed_row = spec.kind == "computed" and out.status != "discretionary"
    if data.requested_amount_fen is not None and computed_row:
        raise ApiError(
            422,
            "not_allowed",
            "计算类措施的金额由政策公式确定，无需填写申请金额",
            "requested_amount_fen",
        )
    pol = get_policy()
    return Application(
        enterprise_id=ent.id,
        measure_id=spec.id,
        fiscal_year=data.fiscal_year,
        project_id=data.project_id,
        project_key=data.project_id or 0,
        status=status,
        source=source,
        idempotency_key=key,
        **frozen_snapshot(pol, case, out.evaluation, out.status, out.amount_fen),
        requested_amount_fen=data.requested_amount_fen,
        statement=data.statement,
        created_by=p.username,
        district=ent.district,
        application_date=today,
    )


# What a submission freezes (and a draft save refreshes) from new_application().
FROZEN = (
    "project_id",
    "idempotency_key",
    *SNAPSHOT_COLUMNS,
    "requested_amount_fen",
    "statement",
    "created_by",
    "district",
    "application_date",
)


def archive(db: Session, app: Application, *, key: str | None) -> None:
    """Keep the row's current frozen snapshot, unchanged, as its version `app.version`."""
    db.add(
        ApplicationVersion(
            application_id=app.id,
            version=app.version,
            **snapshot_of(app),
            requested_amount_fen=app.requested_amount_fen,
            statement=app.statement,
            idempotency_key=key,
            submitted_at=app.submitted_at,
        )
    )


def reopen_withdrawn(db: Session, app: Application) -> None:
    """A new submission or draft takes over the firm's withdrawn claim: version n is archived
    with its Idempotency-Key (the row will carry the new one), the row becomes version n+1."""
    archive(db, app, key=app.idempotency_key)
    app.version += 1
    app.submitted_at = utcnow()


def same_claim(enterprise_id: int, data: ApplicationIn) -> Select[Application]:
    """The one application a firm may hold per measure, year and project (draft or not)."""
    return select(Application).where(
        Application.enterprise_id == enterprise_id,
        Application.measure_id == data.measure_id,
        Application.fiscal_year == data.fiscal_year,
        Application.project_key == (data.project_id or 0),
    )


def ensure_claim_free(existing: Application | None, refusal: str) -> None:
    """Only a draft, a withdrawn application or a declined 免申即享 offer may be taken over by a
    new save or submission (declining an offer does not stop the firm applying itself)."""
    if existing is not None and existing.status not in REOPENABLE:
        raise ApiError(
            409,
            "duplicate_application",
            f"该企业本年度已就此措施申报（申报编号 {existing.id}），{refusal}",
            "measure_id",
        )


def submit(
    db: Session,
    p: Principal,
    data: ApplicationIn,
    idem_key: str | None,
    materials: Submission | None = None,
) -> tuple[Application, bool]:
    """(application, created). A replay with the same key returns the first one unchanged."""
    if p.role not in ("enterprise", "admin"):
        raise forbidden("只有企业账号可以提交申报")
    key = _full_key(p, idem_key)
    prior = _replay(db, key, data)
    if prior is not None:
        return prior, False
    ent = get_visible(db, p, data.enterprise_id)
    ensure_not_blocked(db, ent)
    # Locked: two submissions of the same draft must not both turn it into an application.
    existing = db.scalar(same_claim(ent.id, data).with_for_update())
    if existing is not None and key is not None and existing.idempotency_key == key:
        return existing, False  # a retry that waited for the first attempt's lock
    ensure_claim_free(existing, "不能重复申报")
    from huiqi.platform.applications.rounds import open_round_for

    rnd = open_round_for(db, data.measure_id, data.fiscal_year)
    app = new_application(db, p, ent, data, status="draft", source="apply", key=key)
    app.round_id = rnd.id
    try:
        if existing is None:
            app.first_submitted_at = app.submitted_at = utcnow()
            db.add(app)
            lifecycle.LIFECYCLE.move(db, app, p, Action.SUBMIT, new=True)
        else:
            # The firm's own draft for this claim becomes the application, re-frozen now: the
            # draft's facts and figures were only a preview and bind nothing. A withdrawn claim
            # (or a declined offer) is taken over the same way, as a new version.
            before = snapshot(existing)
            if existing.status in (Status.WITHDRAWN, Status.DECLINED):
                reopen_withdrawn(db, existing)
            for field in FROZEN:
                setattr(existing, field, getattr(app, field))
            existing.source = "apply"
            existing.round_id = rnd.id
            existing.submitted_at = utcnow()
            if existing.first_submitted_at is None:
                existing.first_submitted_at = existing.submitted_at
            app = existing
            if app.version > 1:
                # only a withdrawn claim (directly, or via a draft that took it over) gets here
                # with earlier versions: the timeline shows the re-application
                db.add(
                    ReviewStep(
                        application_id=app.id, stage="reapply", outcome="resubmit",
                        opinion=app.statement, reviewer=p.username,
                        details={"version": app.version},
                    )
                )  # fmt: skip
            audit = "application.resubmit" if app.version > 1 else None
            lifecycle.LIFECYCLE.move(db, app, p, Action.SUBMIT, audit=audit, before=before)
        # documents and the 信用承诺书 sent with it; refuses while a required one is missing
        from huiqi.platform.materials.service import before_submit

        before_submit(db, p, app, materials)
        db.commit()
    except IntegrityError:
        # Lost a race with an identical request: report the winner instead of a 500.
        db.rollback()
        prior = _replay(db, key, data)
        if prior is not None:
            return prior, False
        raise ApiError(
            409, "duplicate_application", "该企业本年度已就此措施申报，不能重复申报", "measure_id"
        ) from None
    return app, True


def live_claims(db: Session, enterprise_id: int, fiscal_year: int) -> dict[str, dict[str, Any]]:
    """measure id -> the firm's claim of that year already in review or decided (drafts and
    withdrawn claims may be taken over by a new submission, so they are not listed)."""
    rows = db.scalars(
        select(Application).where(
            Application.enterprise_id == enterprise_id,
            Application.fiscal_year == fiscal_year,
            Application.project_id.is_(None),
            Application.status.not_in(("draft", "withdrawn")),
        )
    )
    return {a.measure_id: {"id": a.id, "status": a.status} for a in rows}


# ---- lists, one keyset page at a time (platform/pagination.py) -----------------------------

# What waits for each officer: the statuses their step of the lifecycle acts on.
QUEUE_STATUSES: dict[str, tuple[str, ...]] = {
    "district_officer": (Status.SUBMITTED,),
    "city_officer": (Status.DISTRICT_PASSED, Status.EXPERT_REVIEW, Status.CITY_PASSED),
    "admin": (Status.SUBMITTED, Status.DISTRICT_PASSED, Status.EXPERT_REVIEW, Status.CITY_PASSED),
}


@dataclass
class AppRow:
    """A list row: the application and the name of its firm (one join, not a read per row)."""

    app: Application
    enterprise_name: str


# A list row shows none of the frozen case (the firm's facts, the engine's evaluation: JSON of
# several KB per claim): lists leave it in the database instead of parsing it for every row.
# Reading it from such a row still works (one more SELECT for that row).
WITHOUT_CASE = (defer(Application.facts), defer(Application.stored_evaluation))


def _named(q: Select[Any], brief: bool = False) -> Select[Any]:
    q = q.join(Enterprise, Enterprise.id == Application.enterprise_id).add_columns(Enterprise.name)
    return q.options(*WITHOUT_CASE) if brief else q


def _app_rows(page: Page[Any]) -> Page[AppRow]:
    return Page(
        items=[AppRow(app, name) for app, name in page.items],
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        limit=page.limit,
    )


def _app_key(row: Any) -> tuple[Any, ...]:
    return (row[0].id,)


def queue_page(
    db: Session, p: Principal, *, cursor: str | None = None, limit: int | None = None,
    brief: bool = False,
) -> Page[AppRow]:  # fmt: skip
    """待我办理: what waits for this officer, oldest submission first (partial index
    ix_applications_queue). `brief`: for a page that shows no frozen case (WITHOUT_CASE)."""
    statuses = QUEUE_STATUSES.get(p.role, ())
    q = _named(scope_query(p).where(Application.status.in_(statuses)), brief)
    page = keyset_page(
        db, "queue", q, [Application.submitted_at, Application.id],
        lambda r: (r[0].submitted_at, r[0].id), cursor=cursor, limit=limit, scalars=False,
    )  # fmt: skip
    return _app_rows(page)


def queue_count(db: Session, p: Principal) -> int:
    """How many applications wait for this officer over all pages, counted through the queue
    indexes up to COUNT_CAP + 1 (more means "1000+"): a city bureau's queue can hold tens of
    thousands at city scale, and an exact COUNT would read all of them on every page view."""
    statuses = QUEUE_STATUSES.get(p.role, ())
    q = scope_query(p).where(Application.status.in_(statuses))
    return bounded_count(db, q)


def firm_counts(db: Session, p: Principal, enterprise_id: int) -> tuple[int, int]:
    """(all applications, drafts) of one firm as `p` may see them, over every page: a COUNT
    through the (enterprise_id, id) index, a firm having a handful of rows."""
    q = scope_query(p).where(Application.enterprise_id == enterprise_id)
    drafts = func.count(case((Application.status == "draft", 1)))
    total, draft_count = db.execute(q.with_only_columns(func.count(), drafts).order_by(None)).one()
    return int(total), int(draft_count)


def others_page(
    db: Session, p: Principal, status: str = "", *, cursor: str | None = None,
    limit: int | None = None, brief: bool = False,
) -> Page[AppRow]:  # fmt: skip
    """The officer's other applications in scope, newest first: one status, or everything not
    waiting for them."""
    q = scope_query(p)
    if status:
        q = q.where(Application.status == status)
    else:
        q = q.where(Application.status.not_in(QUEUE_STATUSES.get(p.role, ())))
    page = keyset_page(
        db, "others", _named(q, brief), [Application.id], _app_key, cursor=cursor, limit=limit,
        descending=True, scalars=False,
    )  # fmt: skip
    return _app_rows(page)


def firm_page(
    db: Session, p: Principal, enterprise_id: int, *, cursor: str | None = None,
    limit: int | None = None, brief: bool = False,
) -> Page[AppRow]:  # fmt: skip
    """One firm's applications as this person may see them, newest first."""
    q = _named(scope_query(p).where(Application.enterprise_id == enterprise_id), brief)
    page = keyset_page(
        db, "firm", q, [Application.id], _app_key, cursor=cursor, limit=limit,
        descending=True, scalars=False,
    )  # fmt: skip
    return _app_rows(page)


def list_page(
    db: Session, p: Principal, *, status: str | None = None, measure_id: str | None = None,
    fiscal_year: int | None = None, cursor: str | None = None, limit: int | None = None,
) -> Page[Application]:  # fmt: skip
    """The API's application list in the person's scope, by id."""
    q = scope_query(p)
    if status:
        q = q.where(Application.status == status)
    if measure_id:
        q = q.where(Application.measure_id == measure_id)
    if fiscal_year:
        q = q.where(Application.fiscal_year == fiscal_year)
    return keyset_page(
        db, "applications", q, [Application.id], lambda a: (a.id,), cursor=cursor, limit=limit
    )
