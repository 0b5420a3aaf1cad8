"""Document files: type decided by content, size bounded, stored under their sha256.

Files live in `<data dir>/documents/<first two hex digits>/<sha256>`. The name is the content's
hash, never anything the uploader chose, so no upload can point outside the folder or replace
another document. A file is written to a temporary name in the same folder and renamed into
place: a crash leaves either no file or the whole file. The database row that refers to it is
written afterwards in the request's transaction; a rolled-back request can leave an unreferenced
file behind, never a row without its file.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from huiqi.platform.settings import data_dir_from_env, upload_max_bytes_from_env
from huiqi.rules.errors import FieldError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Zip containers are told apart by the part every valid file of that format has.
ZIP_PARTS = (
    ("OFD.xml", "application/ofd", "OFD"),
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "DOCX",
    ),
    (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
    ),
)
ACCEPTED = "PDF、OFD、JPG、PNG、DOCX 或 XLSX"
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/ofd": ".ofd",
    ZIP_PARTS[1][1]: ".docx",
    ZIP_PARTS[2][1]: ".xlsx",
}


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, or None when it is none of the accepted ones."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        for part, content_type, _label in ZIP_PARTS:
            # OFD packages may keep OFD.xml at the root under any letter case
            if part in names or (part == "OFD.xml" and any(n.lower() == "ofd.xml" for n in names)):
                return content_type
    return None


def check_upload(
    path: str, label: str, data: bytes, max_bytes: int | None = None
) -> list[FieldError]:
    """Everything wrong with one uploaded file, in Chinese, naming the field."""
    limit = upload_max_bytes_from_env() if max_bytes is None else max_bytes
    errors: list[FieldError] = []
    if not data:
        errors.append(FieldError(path, "empty_file", f"{label} 是空文件"))
        return errors
    if len(data) > limit:
        errors.append(
            FieldError(
                path,
                "file_too_large",
                f"{label} 超过 {limit // (1024 * 1024)} MB 的上限（{len(data)} 字节）",
            )
        )
    if sniff(data) is None:
        errors.append(
            FieldError(
                path, "file_type", f"{label} 不是 {ACCEPTED} 文件（按文件内容判断，不看扩展名）"
            )
        )
    return errors


def documents_dir() -> Path:
    return data_dir_from_env() / "documents"


def file_path(sha256: str) -> Path:
    if not SHA256.match(sha256):
        raise ValueError("not a sha256 hex digest")
    return documents_dir() / sha256[:2] / sha256


def store(data: bytes) -> str:
    """Write the bytes under their hash (once); returns the sha256."""
    digest = hashlib.sha256(data).hexdigest()
    target = file_path(digest)
    if target.exists() and target.stat().st_size == len(data):
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return digest


def load(sha256: str) -> bytes:
    """The stored bytes, checked against their name: a file altered on disk is not served."""
    data = file_path(sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"stored document {sha256} does not match its hash")
    return data
