"""Objections from the public: no login, real name, 居民身份证 number, mobile, reason and up to
three evidence files. The filing itself goes through service.file_objection, the same code the
logged-in path uses, so the application goes back to review exactly the same way.

Evidence is stored in the database (table objection_evidence) in the objection's transaction:
a request that fails for any reason writes neither the objection nor any file, and backups of
the database include the evidence. Content types are decided by the file's leading bytes, not
by what the browser claims.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications.service import get_visible_app
from huiqi.platform.auth.service import Principal
from huiqi.platform.errors import not_found
from huiqi.platform.public_notices.models import Objection, ObjectionEvidence
from huiqi.platform.public_notices.service import EvidenceFile, file_objection
from huiqi.rules.errors import FieldError, InputError
from huiqi.rules.id_card import mask_id_card, validate_id_card
from huiqi.rules.mobile import mask_mobile, validate_mobile

# The audit actor for filings without an account; the real name is in the objection itself.
PUBLIC = Principal(0, "public", "public")
MAX_FILES = 3
MAX_FILE_BYTES = 10 * 1024 * 1024
MIN_REASON, MAX_REASON = 10, 2000
# Roles that review objections (and may see filers' masked identities and evidence).
OFFICERS = ("district_officer", "city_officer", "admin")
# file kind -> (leading bytes, stored content type)
SIGNATURES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


def sniff(data: bytes) -> str | None:
    for magic, content_type in SIGNATURES.values():
        if data.startswith(magic):
            return content_type
    return None


def check_public_objection(
    application_id: int | None,
    real_name: str,
    id_number: str,
    phone: str,
    reason: str,
    evidence_note: str,
    files: list[tuple[str, bytes]],
) -> tuple[dict[str, Any], list[EvidenceFile]]:
    """Every problem at once (so a form shows each next to its field), else the Objection
    columns and the evidence files. `application_id` is None when none was chosen; `files` are
    (filename, bytes) as uploaded."""
    problems: list[FieldError] = []
    if application_id is None:
        problems.append(FieldError("application_id", "required", "请选择被异议的申报"))
    fields: dict[str, Any] = {"application_id": application_id, "channel": "public"}
    name = real_name.strip()
    if not 2 <= len(name) <= 64:
        problems.append(FieldError("real_name", "length", "真实姓名应为 2–64 个字"))
    fields["real_name"] = name
    try:
        fields["id_number"] = validate_id_card(id_number, "id_number")
    except InputError as exc:
        problems.extend(exc.errors)
    try:
        fields["phone"] = validate_mobile(phone, "phone")
        fields["contact"] = mask_mobile(fields["phone"])
    except InputError as exc:
        problems.extend(exc.errors)
    text = reason.strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        problems.append(
            FieldError(
                "reason",
                "length",
                f"异议事实与理由应为 {MIN_REASON}–{MAX_REASON} 个字（当前 {len(text)} 个字）",
            )
        )
    fields["reason"] = text
    note = evidence_note.strip()
    if len(note) > MAX_REASON:
        problems.append(FieldError("evidence_note", "length", f"证据说明不能超过 {MAX_REASON} 字"))
    fields["evidence"] = note
    evidence: list[EvidenceFile] = []
    if len(files) > MAX_FILES:
        problems.append(
            FieldError(
                "evidence", "too_many", f"证据材料最多 {MAX_FILES} 个文件，收到 {len(files)} 个"
            )
        )
    for i, (filename, data) in enumerate(files[:MAX_FILES]):
        label = f"证据材料 {filename or i + 1}"
        if len(data) > MAX_FILE_BYTES:
            problems.append(
                FieldError(f"evidence[{i}]", "too_large", f"{label} 超过 10 MB，请压缩后再上传")
            )
            continue
        if not data:
            problems.append(FieldError(f"evidence[{i}]", "empty", f"{label} 是空文件"))
            continue
        content_type = sniff(data)
        if content_type is None:
            problems.append(
                FieldError(f"evidence[{i}]", "file_type", f"{label} 不是 PDF、JPG 或 PNG 文件")
            )
            continue
        evidence.append(EvidenceFile((filename or f"证据{i + 1}")[-200:], content_type, data))
    if problems:
        raise InputError(problems)
    return fields, evidence


def file_public_objection(
    db: Session,
    batch_id: int,
    fields: dict[str, Any],
    evidence: list[EvidenceFile],
    client_address: str | None = None,
) -> Objection:
    # The audit chain is append-only and cannot be redacted later, so it keeps only the masked
    # numbers; the full ones live in the objection row, which officers in scope can read.
    audit = {
        "application_id": fields["application_id"],
        "channel": "public",
        "real_name": fields["real_name"],
        "id_number": mask_id_card(fields["id_number"]),
        "phone": mask_mobile(fields["phone"]),
        "reason": fields["reason"],
        "evidence": fields["evidence"],
    }
    fields = {**fields, "client_address": client_address}
    return file_objection(db, PUBLIC, batch_id, fields, audit, evidence)


def objections_for(db: Session, p: Principal, app_id: int) -> list[dict[str, Any]]:
    """Objections to an application the officer may see, numbers masked, evidence listed.
    Enterprises are refused even for their own applications: filers' identities are for the
    reviewing officers only."""
    if p.role not in OFFICERS:
        raise not_found("申报", "application_id")
    get_visible_app(db, p, app_id)  # scope check: raises not_found outside the officer's scope
    out = []
    for o in db.scalars(
        select(Objection).where(Objection.application_id == app_id).order_by(Objection.id)
    ):
        files = db.execute(
            select(
                ObjectionEvidence.id,
                ObjectionEvidence.filename,
                ObjectionEvidence.content_type,
                ObjectionEvidence.size_bytes,
            )
            .where(ObjectionEvidence.objection_id == o.id)
            .order_by(ObjectionEvidence.id)
        )
        out.append(
            {
                "id": o.id,
                "batch_id": o.batch_id,
                "channel": o.channel,
                "real_name": o.real_name,
                "id_number": mask_id_card(o.id_number) if o.id_number else None,
                "phone": mask_mobile(o.phone) if o.phone else None,
                "contact": o.contact if o.channel == "login" else None,
                "reason": o.reason,
                "evidence_note": o.evidence,
                "filed_by": o.filed_by,
                "created_at": o.created_at,
                "status": o.status,
                "decision_reason": o.decision_reason,
                "decided_by": o.decided_by,
                "files": [
                    {
                        "id": fid,
                        "filename": name,
                        "content_type": ctype,
                        "size_bytes": size,
                        "url": f"/api/v1/notices/objections/{o.id}/evidence/{fid}",
                    }
                    for fid, name, ctype, size in files
                ],
            }
        )
    return out


def evidence_file(
    db: Session, p: Principal, objection_id: int, evidence_id: int
) -> ObjectionEvidence:
    if p.role not in OFFICERS:
        raise not_found("证据材料", "evidence_id")
    obj = db.get(Objection, objection_id)
    if obj is None:
        raise not_found("异议", "objection_id")
    get_visible_app(db, p, obj.application_id)
    ev = db.get(ObjectionEvidence, evidence_id)
    if ev is None or ev.objection_id != obj.id:
        raise not_found("证据材料", "evidence_id")
    return ev
