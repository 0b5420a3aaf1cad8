"""Draft applications: the firm's own working copy of a claim, saved from the 政策计算器.

A draft holds the same fields as a submission, with the facts and the engine's figure as a
preview only: it binds nothing, sits in no officer queue and never touches a budget. Submitting
it goes through `service.submit` (fresh snapshot and evaluation, idempotency key, duplicate rule,
credit block), which turns the draft row itself into the application.

After a withdrawal (撤回) the firm may draft the claim again: the draft takes over the withdrawn
row as version n+1 (version n archived, as a re-application does), so it is private like any
draft until submitted. Deleting such a draft puts the withdrawn application back as it was.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle, service
from huiqi.platform.applications.lifecycle import Action, Status
from huiqi.platform.applications.models import SNAPSHOT_COLUMNS, Application, ApplicationVersion
from huiqi.platform.applications.schemas import ApplicationIn
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.enterprises.service import get_visible
from huiqi.platform.errors import ApiError, forbidden


def _firm_only(p: Principal) -> None:
    # Drafts are private to the firm: even an admin neither writes nor sees them.
    if p.role != "enterprise":
        raise forbidden("只有企业账号可以保存、删除或提交申报草稿")


def _not_draft(app: Application) -> ApiError:
    return ApiError(
        409,
        "not_draft",
        f"申报 {app.id} 已提交，不是草稿，不能再修改、删除或重复提交",
        "application_id",
    )


def save_draft(db: Session, p: Principal, data: ApplicationIn) -> tuple[Application, bool]:
    """Create or update the firm's draft for (measure, year, project): (draft, created)."""
    _firm_only(p)
    ent = get_visible(db, p, data.enterprise_id)  # another firm's id: 404
    existing = db.scalar(service.same_claim(ent.id, data).with_for_update())
    service.ensure_claim_free(existing, "不能再保存草稿")
    # Same validation as a submission (measure, project, amount within the cap), so a draft
    # that saves is one that can be submitted unless the facts change.
    fresh = service.new_application(db, p, ent, data, status="draft", source="apply", key=None)
    try:
        if existing is None:
            db.add(fresh)
            lifecycle.LIFECYCLE.move(db, fresh, p, Action.SAVE_DRAFT, new=True)
            draft, created = fresh, True
        else:
            before = service.snapshot(existing)
            created = existing.status != Status.DRAFT
            if created:
                # a withdrawn claim or a declined 免申即享 offer becomes the firm's draft again
                service.reopen_withdrawn(db, existing)
            for field in service.FROZEN:
                # the withdrawn row's creator and source stay until submission, so deleting
                # the draft restores the withdrawn application exactly
                if not (created and field == "created_by"):
                    setattr(existing, field, getattr(fresh, field))
            draft = existing
            audit = "application.draft.create" if created else "application.draft.update"
            lifecycle.LIFECYCLE.move(db, draft, p, Action.SAVE_DRAFT, audit=audit, before=before)
        db.commit()
    except IntegrityError:
        # Lost a race with the firm's own identical save or submission in another tab.
        db.rollback()
        raise ApiError(
            409,
            "duplicate_application",
            "该措施本年度的申报或草稿刚被另一操作保存，请刷新后重试",
            "measure_id",
        ) from None
    return draft, created


def delete_draft(db: Session, p: Principal, app_id: int) -> None:
    _firm_only(p)
    app = service.get_visible_app(db, p, app_id, lock=True)  # another firm's id: 404
    if app.status != "draft":
        raise _not_draft(app)
    before = service.snapshot(app)
    if app.version > 1:
        # A draft with earlier versions took over a withdrawn application: deleting the draft
        # puts that application back as it was (its row carries the review history).
        prev = db.scalars(
            select(ApplicationVersion).where(
                ApplicationVersion.application_id == app.id,
                ApplicationVersion.version == app.version - 1,
            )
        ).one()
        for field in (
            *SNAPSHOT_COLUMNS, "requested_amount_fen", "statement", "idempotency_key",
            "submitted_at", "version",
        ):  # fmt: skip
            setattr(app, field, getattr(prev, field))
        db.delete(prev)  # its content is the row again; the audit entry keeps both
        # a declined 免申即享 offer keeps source "campaign" until the draft is submitted
        restore = Action.DELETE_OFFER_DRAFT if app.source == "campaign" else Action.DELETE_DRAFT
        lifecycle.LIFECYCLE.move(db, app, p, restore, before=before)
    else:
        db.delete(app)
        db.flush()
        record(db, p, "application.draft.delete", "application", app_id, before, None)
    db.commit()


def submit_draft(
    db: Session, p: Principal, app_id: int, idem_key: str | None
) -> tuple[Application, bool]:
    """Submit a draft as it stands now: (application, created); a key replay returns the first."""
    _firm_only(p)
    app = service.get_visible_app(db, p, app_id)
    data = ApplicationIn(
        enterprise_id=app.enterprise_id,
        measure_id=app.measure_id,
        fiscal_year=app.fiscal_year,
        project_id=app.project_id,
        requested_amount_fen=app.requested_amount_fen,
        statement=app.statement,
    )
    if app.status != "draft":
        # A retry of a submission that went through answers with that application.
        key = service._full_key(p, idem_key)
        prior = service.by_key(db, key)
        if prior is not None and prior.id == app.id:
            return app, False
        raise _not_draft(app)
    db.rollback()  # end the read; submit() starts its own transaction and takes the locks
    return service.submit(db, p, data, idem_key)
