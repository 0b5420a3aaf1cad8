from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Response, UploadFile

from huiqi.platform.auth.service import Principal
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.materials import schemas as s
from huiqi.platform.materials import service
from huiqi.platform.materials.commitment import text_hash
from huiqi.platform.materials.models import Document
from huiqi.platform.policy import measure
from huiqi.platform.settings import upload_max_bytes_from_env

router = APIRouter(prefix="/materials", tags=["申报材料"], responses=ERROR_RESPONSES)
Reader = Annotated[
    Principal,
    Depends(require("enterprise", "district_officer", "city_officer", "expert", "admin")),
]
Firm = Annotated[Principal, Depends(require("enterprise"))]
AppId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DocId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def document_out(doc: Document) -> s.DocumentOut:
    out = s.DocumentOut.model_validate(doc)
    out.kind_name = service.materials_spec().kind_name(doc.kind)
    return out


def read_upload(f: UploadFile) -> service.Upload:
    """Reads one byte past the limit: enough to refuse a file that is too large without
    holding all of it."""
    return service.Upload(
        kind="", filename=f.filename or "", data=f.file.read(upload_max_bytes_from_env() + 1)
    )


@router.get(
    "/requirements/{measure_id}",
    response_model=s.RequirementsOut,
    summary="某措施需要的申报材料（政策包 materials.yaml）",
)
def requirements(p: Reader, measure_id: Annotated[str, Path(max_length=32)]) -> s.RequirementsOut:
    spec = measure(measure_id)
    return s.RequirementsOut(
        measure_id=spec.id,
        documents=[
            s.RequirementOut(kind=r.kind, name=r.name, required=r.required, why=r.why)
            for r in service.requirements(spec.id)
        ],
        commitment_required=service.materials_spec().commitment_required,
    )


@router.get(
    "/applications/{application_id}",
    response_model=s.MaterialsOut,
    summary="申报的材料清单、信用承诺书与尚缺材料（按申报的查看范围；专家仅限当前受邀版本）",
)
def list_materials(db: Db, p: Reader, application_id: AppId) -> s.MaterialsOut:
    app = service.readable_application(db, p, application_id)
    return s.MaterialsOut(
        application_id=app.id,
        documents=[document_out(d) for d in service.documents(db, app)],
        commitments=[s.CommitmentOut.model_validate(c) for c in service.commitments(db, app)],
        missing=[s.MissingOut(**f.to_json()) for f in service.missing(db, app)],
    )


@router.post(
    "/applications/{application_id}/documents",
    response_model=s.DocumentOut,
    status_code=201,
    summary="企业为草稿或退回补正中的申报上传一份材料（按文件内容判断类型，限制大小，记录 sha256）",
)
def upload_document(
    db: Db,
    p: Firm,
    application_id: AppId,
    kind: Annotated[str, Form(max_length=64, description="材料类别，见 /materials/requirements")],
    file: Annotated[UploadFile, File(description="PDF、OFD、JPG、PNG、DOCX 或 XLSX")],
) -> s.DocumentOut:
    up = read_upload(file)
    up.kind = kind
    [doc] = service.upload(db, p, application_id, [up])
    return document_out(doc)


@router.get(
    "/applications/{application_id}/documents/{document_id}/file",
    summary="下载材料原件（范围外 404）",
    response_class=Response,
)
def download_document(db: Db, p: Reader, application_id: AppId, document_id: DocId) -> Response:
    doc, data = service.open_document(db, p, application_id, document_id)
    return Response(
        content=data,
        media_type=doc.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-Type-Options": "nosniff",
            "X-Document-SHA256": doc.sha256,
        },
    )


@router.get(
    "/applications/{application_id}/commitment",
    response_model=s.CommitmentTextOut,
    summary="平台根据本申报生成的信用承诺书全文（待企业确认）",
)
def commitment_text(db: Db, p: Firm, application_id: AppId) -> s.CommitmentTextOut:
    app = service.readable_application(db, p, application_id)
    text = service.current_text(db, app)
    return s.CommitmentTextOut(application_id=app.id, text=text, sha256=text_hash(text))


@router.post(
    "/applications/{application_id}/commitment",
    response_model=s.CommitmentOut,
    status_code=201,
    summary="企业确认签署信用承诺书（须 confirmed: true；存全文与 sha256）",
)
def sign_commitment(db: Db, p: Firm, application_id: AppId, body: s.SignIn) -> s.CommitmentOut:
    row = service.sign_commitment(db, p, application_id, body.confirmed)
    return s.CommitmentOut.model_validate(row)
