"""Application documents and the signed 信用承诺书.

Who may do what:
* the firm uploads documents to its own draft or returned (退回补正) application, or together
  with its submission / amendment (`before_submit`, `before_amend`, called by the application
  services inside their transaction), and signs the commitment generated from the claim;
* officers and admins read the documents of the applications they may read (the same scope as
  the application itself); an expert only those of the version they are currently assigned to,
  and nothing after recusing or once the assignment ended;
* a submission (or amendment) lacking a required document or the signed commitment is refused
  with an error naming what is missing, unless HUIQI_REQUIRE_MATERIALS=0.

Every upload and signature is in the audit trail with the file's or the text's sha256.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications.access import get_visible_app
from huiqi.platform.applications.models import Application
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.materials import storage
from huiqi.platform.materials.commitment import commitment_text, text_hash
from huiqi.platform.materials.models import CreditCommitment, Document, DocumentRequest
from huiqi.platform.settings import POLICY_ID
from huiqi.policies.materials import DocumentRequirement, MaterialsSpec, load_materials
from huiqi.rules.errors import FieldError

# A firm changes the documents of a claim only while the claim is in its hands.
UPLOADABLE = ("draft", "returned")
OTHER_KIND = "other"


@dataclass
class Upload:
    kind: str
    filename: str
    data: bytes


@dataclass
class Submission:
    """What a firm sends with a submission or amendment besides the claim itself."""

    uploads: list[Upload] = field(default_factory=list)
    commitment_confirmed: bool = False


def materials_spec() -> MaterialsSpec:
    return load_materials(POLICY_ID)


def requirements(measure_id: str) -> tuple[DocumentRequirement, ...]:
    return materials_spec().for_measure(measure_id)


def enforced() -> bool:
    """HUIQI_REQUIRE_MATERIALS=0 lets claims through without documents (data migrations)."""
    return os.environ.get("HUIQI_REQUIRE_MATERIALS", "1").strip().lower() not in (
        "0",
        "false",
        "no",
    )


def readable_application(db: Session, p: Principal, app_id: int) -> Application:
    """The application whose documents `p` may open; 404 outside their scope (no leak)."""
    if p.role != "expert":
        return get_visible_app(db, p, app_id)
    from huiqi.platform.experts.service import assignment_of

    assignment, app = assignment_of(db, p, app_id)
    if assignment.version != app.version or assignment.status not in ("assigned", "submitted"):
        raise not_found("评审任务", "application_id")
    return app


def documents(db: Session, app: Application) -> list[Document]:
    return list(
        db.scalars(select(Document).where(Document.application_id == app.id).order_by(Document.id))
    )


def commitments(db: Session, app: Application) -> list[CreditCommitment]:
    return list(
        db.scalars(
            select(CreditCommitment)
            .where(CreditCommitment.application_id == app.id)
            .order_by(CreditCommitment.id)
        )
    )


def open_document(db: Session, p: Principal, app_id: int, doc_id: int) -> tuple[Document, bytes]:
    app = readable_application(db, p, app_id)
    doc = db.get(Document, doc_id)
    if doc is None or doc.application_id != app.id:
        raise not_found("申报材料", "document_id")
    try:
        data = storage.load(doc.sha256)
    except OSError:
        raise ApiError(
            500, "document_unavailable", "该材料文件缺失或已损坏，请联系管理员", "document_id"
        ) from None
    return doc, data


def _firm_of(p: Principal, app: Application) -> None:
    if p.role != "enterprise" or p.enterprise_id != app.enterprise_id:
        raise forbidden("只有申报企业本身可以上传材料和签署信用承诺书")


def check_uploads(measure_id: str, uploads: Sequence[Upload]) -> None:
    """All problems of all files at once (422), before anything is written."""
    allowed = kinds_of(measure_id)
    errors: list[FieldError] = []
    for up in uploads:
        path = f"documents.{up.kind}"
        if up.kind not in allowed:
            names = "、".join(allowed.values()) or "（无）"
            errors.append(
                FieldError(
                    f"{path}.kind",
                    "document_kind",
                    f"措施 {measure_id} 的申报材料没有“{up.kind}”这一类，可上传：{names}",
                )
            )
        label = f"{allowed.get(up.kind, '材料')}“{up.filename or '未命名文件'}”"
        errors.extend(storage.check_upload(path, label, up.data))
    if errors:
        err = ApiError(422, errors[0].rule, errors[0].message, errors[0].path)
        err.errors = [e.to_json() for e in errors]
        raise err


def attach(
    db: Session, p: Principal, app: Application, uploads: Sequence[Upload]
) -> list[Document]:
    """Store the files and add their rows to the caller's transaction (not committed here)."""
    check_uploads(app.measure_id, uploads)
    version = next_version(app)  # uploaded while returned: it belongs to the correction
    rows: list[Document] = []
    for up in uploads:
        digest = storage.store(up.data)
        doc = Document(
            application_id=app.id,
            version=version,
            kind=up.kind,
            filename=(os.path.basename(up.filename.replace("\\", "/")) or "document")[:255],
            content_type=storage.sniff(up.data) or "application/octet-stream",
            size_bytes=len(up.data),
            sha256=digest,
            uploaded_by=p.username,
        )
        db.add(doc)
        db.flush()
        after = {
            "document_id": doc.id,
            "kind": doc.kind,
            "filename": doc.filename,
            "content_type": doc.content_type,
            "size_bytes": doc.size_bytes,
            "sha256": doc.sha256,
            "version": doc.version,
        }
        record(db, p, "document.upload", "application", app.id, None, after)
        rows.append(doc)
    return rows


def upload(db: Session, p: Principal, app_id: int, uploads: Sequence[Upload]) -> list[Document]:
    """The firm adds documents to its draft or to a claim returned for correction."""
    app = get_visible_app(db, p, app_id, lock=True)
    _firm_of(p, app)
    if app.status not in UPLOADABLE:
        raise ApiError(
            409,
            "not_uploadable",
            "只有草稿或退回补正中的申报可以补充材料；提交或补正时可一并上传",
            "status",
        )
    rows = attach(db, p, app, uploads)
    db.commit()
    return rows


def current_text(db: Session, app: Application) -> str:
    ent = db.get(Enterprise, app.enterprise_id)
    assert ent is not None
    return commitment_text(app, ent)


def sign(db: Session, p: Principal, app: Application) -> CreditCommitment:
    """Store the commitment text as generated now, signed by `p` (not committed here)."""
    _firm_of(p, app)
    text = current_text(db, app)
    row = CreditCommitment(
        application_id=app.id,
        version=app.version,
        text=text,
        sha256=text_hash(text),
        signed_by=p.username,
    )
    db.add(row)
    db.flush()
    after = {"commitment_id": row.id, "version": row.version, "sha256": row.sha256}
    record(db, p, "commitment.sign", "application", app.id, None, after)
    return row


def sign_commitment(db: Session, p: Principal, app_id: int, confirmed: bool) -> CreditCommitment:
    app = get_visible_app(db, p, app_id, lock=True)
    _firm_of(p, app)
    if not confirmed:
        raise ApiError(422, "not_confirmed", "请阅读并勾选确认信用承诺书后再签署", "confirmed")
    if app.status not in UPLOADABLE:
        raise ApiError(
            409, "not_signable", "只有草稿或退回补正中的申报可以单独签署信用承诺书", "status"
        )
    row = sign(db, p, app)
    db.commit()
    return row


def kinds_of(measure_id: str) -> dict[str, str]:
    """Kind code -> name of every document a claim under the measure may carry."""
    allowed = {r.kind: r.name for r in requirements(measure_id)}
    spec = materials_spec()
    if OTHER_KIND in spec.kinds:
        allowed.setdefault(OTHER_KIND, spec.kinds[OTHER_KIND])
    return allowed


def next_version(app: Application) -> int:
    """The version a document added now belongs to: a returned claim's correction is n+1."""
    return app.version + 1 if app.status == "returned" else app.version


def request_documents(db: Session, p: Principal, app: Application, kinds: Sequence[str]) -> None:
    """Inside the 退回补正 transaction (app still at version n): the correction must bring these."""
    wanted = list(dict.fromkeys(k for k in kinds if k))
    if not wanted:
        return
    allowed = kinds_of(app.measure_id)
    unknown = [k for k in wanted if k not in allowed]
    if unknown:
        raise ApiError(
            422,
            "document_kind",
            f"措施 {app.measure_id} 的申报材料没有“{'、'.join(unknown)}”这一类，"
            f"可要求：{'、'.join(allowed.values())}",
            "requested_documents",
        )
    row = DocumentRequest(
        application_id=app.id, version=app.version + 1, kinds=wanted, requested_by=p.username
    )
    db.add(row)
    db.flush()
    after = {"version": row.version, "kinds": wanted}
    record(db, p, "document.request", "application", app.id, None, after)


def requested(db: Session, app: Application) -> list[tuple[str, str]]:
    """(kind, name) asked for by the 退回补正 that the current or pending correction answers."""
    version = next_version(app)
    names = kinds_of(app.measure_id)
    out: list[tuple[str, str]] = []
    for row in db.scalars(
        select(DocumentRequest).where(
            DocumentRequest.application_id == app.id, DocumentRequest.version == version
        )
    ):
        out.extend((str(k), names.get(str(k), str(k))) for k in row.kinds)
    return list(dict.fromkeys(out))


def missing(db: Session, app: Application) -> list[FieldError]:
    """Required documents (and the commitment) the application does not have, each named, and
    the documents a 退回补正 asked for that the correction does not bring yet."""
    docs = documents(db, app)
    have = {d.kind for d in docs}
    version = next_version(app)
    brought = {d.kind for d in docs if d.version == version}
    out = [
        FieldError(
            f"documents.{kind}",
            "requested_document",
            f"退回补正要求补交：{name}（请上传本次补正的文件）",
        )
        for kind, name in requested(db, app)
        if kind not in brought
    ]
    out += [
        FieldError(
            f"documents.{r.kind}",
            "missing_document",
            f"缺少必需的申报材料：{r.name}（依据政策原文“{r.why}”）",
        )
        for r in requirements(app.measure_id)
        if r.required and r.kind not in have
    ]
    if materials_spec().commitment_required and not commitments(db, app):
        out.append(
            FieldError(
                "commitment",
                "commitment_unsigned",
                "缺少信用承诺书：请阅读平台根据本申报生成的信用承诺书并勾选确认",
            )
        )
    return out


def _complete(db: Session, p: Principal, app: Application, sent: Submission | None) -> None:
    if sent is not None:
        if sent.uploads:
            attach(db, p, app, sent.uploads)
        if sent.commitment_confirmed:
            sign(db, p, app)
    problems = missing(db, app)
    if not enforced():  # what an officer asked for in a 退回补正 is owed all the same
        problems = [f for f in problems if f.rule == "requested_document"]
    if problems:
        err = ApiError(422, problems[0].rule, problems[0].message, problems[0].path)
        err.errors = [f.to_json() for f in problems]
        raise err


def before_submit(db: Session, p: Principal, app: Application, sent: Submission | None) -> None:
    """Inside the submission's transaction, after the application row is flushed: store what
    came with it, then refuse the submission while a required document is missing."""
    _complete(db, p, app, sent)


def before_amend(db: Session, p: Principal, app: Application, sent: Submission | None) -> None:
    """Inside the amendment's (补正) transaction: the firm's answer may be new documents."""
    _complete(db, p, app, sent)
