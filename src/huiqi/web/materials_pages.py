"""Documents on the pages: file inputs and the 信用承诺书 on the firm's apply and 补正 forms,
and the list of documents (with download links) on the firm's, officer's and expert's pages.

Downloads go to the API (`/api/v1/materials/...`), which reads the same session cookie and
applies the same scope rules as everywhere else.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from huiqi.platform.applications.models import Application
from huiqi.platform.auth.service import Principal
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError
from huiqi.platform.materials import service
from huiqi.platform.materials.commitment import commitment_text
from huiqi.platform.settings import upload_max_bytes_from_env
from huiqi.web.common import people

API = "/api/v1/materials/applications"


def input_data(measure_id: str) -> dict[str, Any]:
    """The file inputs a form shows for a measure: its documents, then 其他补充材料."""
    spec = service.materials_spec()
    reqs = [
        {"kind": r.kind, "name": r.name, "required": r.required, "why": r.why}
        for r in service.requirements(measure_id)
    ]
    if service.OTHER_KIND in spec.kinds and all(r["kind"] != service.OTHER_KIND for r in reqs):
        reqs.append(
            {
                "kind": service.OTHER_KIND,
                "name": spec.kinds[service.OTHER_KIND],
                "required": False,
                "why": "",
            }
        )
    return {
        "doc_inputs": reqs,
        "requested_kinds": [],
        "commitment_required": spec.commitment_required,
        "upload_max_mb": upload_max_bytes_from_env() // (1024 * 1024),
    }


def requestable(measure_id: str) -> list[dict[str, str]]:
    """The kinds an officer may ask for when returning a claim (none pre-ticked)."""
    return [{"kind": k, "name": n} for k, n in service.kinds_of(measure_id).items()]


def commitment_preview(
    ent: Enterprise, measure_id: str, fiscal_year: int, engine_amount_fen: int | None
) -> str:
    """The text the firm will sign, as it reads before the claim exists (no number yet)."""
    draft = Application(
        enterprise_id=ent.id,
        measure_id=measure_id,
        fiscal_year=fiscal_year,
        requested_amount_fen=None,
        engine_amount_fen=engine_amount_fen,
        version=1,
    )
    return commitment_text(draft, ent)


async def submission_from_form(request: Request) -> service.Submission:
    """Files posted as doc_<kind> (several per kind allowed) and the commitment tick-box."""
    raw = await request.form()
    uploads: list[service.Upload] = []
    limit = upload_max_bytes_from_env() + 1  # one byte past the limit is enough to refuse it
    for key, value in raw.multi_items():
        if not key.startswith("doc_") or not isinstance(value, UploadFile):
            continue
        data = await value.read(limit)
        if not data and not value.filename:
            continue  # an input left empty
        uploads.append(service.Upload(key[4:], value.filename or "", data))
    return service.Submission(
        uploads, commitment_confirmed=raw.get("commitment_confirmed") == "yes"
    )


def shown(db: Any, p: Principal, app_id: int) -> dict[str, Any]:
    """The documents and signed commitments of an application `p` may read (empty otherwise)."""
    try:
        app = service.readable_application(db, p, app_id)
    except ApiError:
        return {"materials": None}
    spec = service.materials_spec()
    commitments = service.commitments(db, app)
    # the signer is named as pages name people (the firm by its name), never by account
    signers = people(db, {c.signed_by for c in commitments})
    return {
        "materials": {
            "documents": [
                {
                    "id": d.id,
                    "kind_name": spec.kind_name(d.kind),
                    "filename": d.filename,
                    "version": d.version,
                    "size_kb": (d.size_bytes + 1023) // 1024,
                    "sha256": d.sha256,
                    "uploaded_at": d.uploaded_at,
                    "url": f"{API}/{app.id}/documents/{d.id}/file",
                }
                for d in service.documents(db, app)
            ],
            "commitments": [
                {
                    "version": c.version,
                    "text": c.text,
                    "sha256": c.sha256,
                    "signed_by": signers[c.signed_by],
                    "signed_at": c.signed_at,
                }
                for c in commitments
            ],
            "missing": [f.message for f in service.missing(db, app)],
        }
    }


def form_errors_kept(errors: dict[str, str]) -> set[str]:
    """Error keys shown beside the materials inputs rather than only at the top of the form."""
    return {k for k in errors if k.startswith("documents.") or k == "commitment"}


def correction_inputs(db: Any, app: Application) -> dict[str, Any]:
    """The 补正 form's inputs: those of the measure, the ones the officer asked for marked."""
    data = input_data(app.measure_id)
    data["requested_kinds"] = [kind for kind, _name in service.requested(db, app)]
    return data
