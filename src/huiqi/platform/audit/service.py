"""Hash-chained audit log.

Every state-changing service calls `record` inside its own transaction, so the change and its
audit entry commit together or not at all. The chain head lives in one row that is locked
(`SELECT ... FOR UPDATE`) while appending; sequence numbers are therefore gap-free and the chain
is linear even under concurrent writers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.audit.models import AuditEntry, AuditHead
from huiqi.platform.auth.service import Principal
from huiqi.platform.bulk_insert import insert_rows

GENESIS = "0" * 64


def _default(o: Any) -> Any:
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, Decimal):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def canonical(obj: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same dict always hashes the same."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def jsonable(obj: Any) -> Any:
    return json.loads(canonical(obj)) if obj is not None else None


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(body)).encode()).hexdigest()


def _body(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "actor_role": e.actor_role,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
    }


def record(
    db: Session,
    actor: Principal,
    action: str,
    entity: str,
    entity_id: Any,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    head = db.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
        db.add(head)
        db.flush()
    entry = AuditEntry(
        seq=head.last_seq + 1,
        at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        actor=actor.username,
        actor_role=actor.role,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=jsonable(before),
        after=jsonable(after),
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = entry_hash(entry.prev_hash, _body(entry))
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    db.add(entry)
    db.flush()
    return entry


def record_many(
    db: Session, actor: Principal, entries: Sequence[tuple[str, str, Any, Any, Any]]
) -> int:
    """Append many entries (action, entity, entity_id, before, after) in one statement.

    The chain is the one `record` would build entry by entry: the head is locked, each hash is
    computed in memory from the previous one, then all rows go in as one bulk insert and the
    head moves to the last. Returns the number of entries.
    """
    if not entries:
        return 0
    head = db.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
        db.add(head)
        db.flush()
    seq, prev = head.last_seq, head.last_hash
    rows = []
    for action, entity, entity_id, before, after in entries:
        seq += 1
        body = {
            "seq": seq,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor.username,
            "actor_role": actor.role,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": jsonable(before),
            "after": jsonable(after),
        }
        digest = entry_hash(prev, body)
        rows.append({**body, "prev_hash": prev, "hash": digest})
        prev = digest
    insert_rows(db, AuditEntry.__table__, rows)
    head.last_seq, head.last_hash = seq, prev
    db.flush()
    return len(rows)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None
    message: str


def verify(db: Session) -> VerifyResult:
    """Recompute the chain; report the first entry whose content, link or order was altered."""
    prev = GENESIS
    expected_seq = 1
    n = 0
    for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if e.seq != expected_seq:
            return VerifyResult(False, n, e.seq, f"审计日志第 {expected_seq} 条缺失或顺序被改动")
        if e.prev_hash != prev:
            return VerifyResult(False, n, e.seq, f"审计日志第 {e.seq} 条的前序哈希不符，链条被篡改")
        if entry_hash(prev, _body(e)) != e.hash:
            return VerifyResult(False, n, e.seq, f"审计日志第 {e.seq} 条内容被篡改（哈希不符）")
        prev = e.hash
        expected_seq += 1
        n += 1
    head = db.get(AuditHead, 1)
    if head is not None and (head.last_seq != n or head.last_hash != prev):
        return VerifyResult(False, n, n + 1, "审计日志末尾的记录被删除（链头不符）")
    return VerifyResult(True, n, None, f"审计日志完整，共 {n} 条，哈希链校验通过")


def verify_database(database_url: str | None = None) -> int:
    """CLI entry (`huiqi audit verify`): prints the result, returns the process exit code."""
    from huiqi.platform.db import make_engine, make_sessionmaker
    from huiqi.platform.settings import database_url_from_env

    engine = make_engine(database_url_from_env(database_url))
    try:
        with make_sessionmaker(engine)() as db:
            res = verify(db)
    finally:
        engine.dispose()
    print(res.message)
    return 0 if res.ok else 1
