"""The audit chain anchored outside the database.

Two things a database writer cannot forge without the HMAC key (HUIQI_AUDIT_HMAC_KEY):

* `audit_head.mac`, the signature of the newest entry, renewed on every append. Recomputing every
  hash after an edit, or deleting the tail and re-pointing the head, leaves a head whose
  signature does not match.
* the anchor file (`huiqi audit anchor`, default `<data dir>/audit-anchor.json`): a signed copy
  of the head at a point in time, kept outside the database. Even an old, validly signed head row
  put back after truncating the tail cannot reach below the exported anchor, and a chain that was
  rewritten from the start no longer contains the anchored hash.

Without HUIQI_AUDIT_HMAC_KEY the platform generates a random key once and keeps it in the data
folder: good enough for a demo, but whoever reads that folder can sign, so production sets the key
from a secret store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huiqi.platform.settings import data_dir_from_env

log = logging.getLogger("huiqi.audit")

KEY_FILE = "audit-hmac.key"
ANCHOR_FILE = "audit-anchor.json"
_file_keys: dict[Path, bytes] = {}


def write_atomically(path: Path, data: bytes, *, exclusive: bool = False) -> bool:
    """Write to a temporary file in the same folder, then move it into place: a reader sees the
    old content or the new, never half. `exclusive`: keep an existing file (returns False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        if exclusive:
            try:
                os.link(tmp, path)  # fails if another process created it first
            except FileExistsError:
                return False
            return True
        os.replace(tmp, path)
        return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def audit_key() -> bytes:
    """The HMAC key: HUIQI_AUDIT_HMAC_KEY, else the demo key file in the data folder."""
    configured = os.environ.get("HUIQI_AUDIT_HMAC_KEY")
    if configured:
        return configured.encode()
    path = (data_dir_from_env() / KEY_FILE).resolve()
    key = _file_keys.get(path)
    if key is None:
        if not path.exists():
            created = write_atomically(path, secrets.token_hex(32).encode(), exclusive=True)
            if created:
                log.warning(
                    "HUIQI_AUDIT_HMAC_KEY 未设置：已生成演示用审计密钥 %s。"
                    "生产环境请从密钥管理处设置 HUIQI_AUDIT_HMAC_KEY。",
                    path,
                )
        key = path.read_bytes().strip()
        _file_keys[path] = key
    return key


def sign(message: str) -> str:
    return hmac.new(audit_key(), message.encode(), hashlib.sha256).hexdigest()


def head_mac(last_seq: int, last_hash: str) -> str:
    return sign(f"head:{last_seq}:{last_hash}")


def head_mac_ok(last_seq: int, last_hash: str, mac: str | None) -> bool:
    return mac is not None and hmac.compare_digest(mac, head_mac(last_seq, last_hash))


def default_anchor_path() -> Path:
    return data_dir_from_env() / ANCHOR_FILE


@dataclass(frozen=True)
class Anchor:
    chain_start: str  # hash of entry 1: tells which chain the anchor belongs to
    seq: int
    hash: str
    anchored_at: str

    def body(self) -> dict[str, Any]:
        return {
            "chain_start": self.chain_start,
            "seq": self.seq,
            "hash": self.hash,
            "anchored_at": self.anchored_at,
        }


def _anchor_message(body: dict[str, Any]) -> str:
    return "anchor:" + json.dumps(body, sort_keys=True, separators=(",", ":"))


def export_anchor(path: Path, chain_start: str, seq: int, last_hash: str) -> Anchor:
    anchor = Anchor(
        chain_start=chain_start,
        seq=seq,
        hash=last_hash,
        anchored_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    body = anchor.body()
    signed = {**body, "mac": sign(_anchor_message(body))}
    text = json.dumps(signed, ensure_ascii=False, indent=2) + "\n"
    write_atomically(path, text.encode())
    return anchor


class AnchorError(Exception):
    """The anchor file exists but cannot be trusted (unreadable, or its signature is wrong)."""


def read_anchor(path: Path) -> Anchor | None:
    """The signed anchor at `path`, None if there is none; AnchorError if it is not genuine."""
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        body = {k: raw[k] for k in ("chain_start", "seq", "hash", "anchored_at")}
        mac = str(raw["mac"])
    except (ValueError, KeyError, TypeError) as e:
        raise AnchorError(f"审计锚点文件 {path} 无法读取（{e}）") from None
    if not hmac.compare_digest(mac, sign(_anchor_message(body))):
        raise AnchorError(f"审计锚点文件 {path} 的签名不符：锚点被改动，或审计密钥已更换")
    return Anchor(
        chain_start=str(body["chain_start"]),
        seq=int(body["seq"]),
        hash=str(body["hash"]),
        anchored_at=str(body["anchored_at"]),
    )
