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
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.audit.anchor import (
    AnchorError,
    default_anchor_path,
    export_anchor,
    head_mac,
    head_mac_ok,
    read_anchor,
)
from huiqi.platform.audit.models import AuditEntry, AuditHead
from huiqi.platform.auth.principal import Principal
from huiqi.platform.bulk_insert import insert_rows
from huiqi.platform.pagination import Page, keyset_page

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


_PLAIN = frozenset({str, int, bool, type(None)})


def _plain(obj: Any) -> bool:
    """True when `obj` holds only exact str, int, bool, None, lists, tuples and dicts with str
    keys: the values whose JSON orjson writes byte for byte as `canonical` does (checked over
    every character in tests/platform/test_audit_canonical.py). Floats are the exception that
    matters (the two print some differently), so they and any other type are left to json."""
    kind = type(obj)
    if kind in _PLAIN:
        return True
    if kind is dict:
        for key, value in obj.items():
            if type(key) is not str or (type(value) not in _PLAIN and not _plain(value)):
                return False
        return True
    if kind is list or kind is tuple:
        return all(type(value) in _PLAIN or _plain(value) for value in obj)
    return False


def _canonical_bytes(obj: Any) -> bytes:
    """`canonical(obj).encode()`, by orjson where that gives the same bytes (many times
    faster: a campaign appends tens of thousands of entries); by json otherwise, and where
    orjson refuses a value (an integer beyond 64 bits, a lone surrogate)."""
    if _plain(obj):
        try:
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            pass
    return canonical(obj).encode()


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """sha256 of the previous hash and the entry's canonical JSON (one entry, a bulk append
    and `verify` all hash through here)."""
    return hashlib.sha256(prev_hash.encode() + _canonical_bytes(body)).hexdigest()


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
    head.mac = head_mac(entry.seq, entry.hash)
    db.add(entry)
    db.flush()
    return entry


def record_many(
    db: Session,
    actor: Principal,
    entries: Sequence[tuple[str, str, Any, Any, Any]],
    *,
    json_ready: bool = False,
) -> int:
    """Append many entries (action, entity, entity_id, before, after) in one statement.

    The chain is the one `record` would build entry by entry: the head is locked, each hash is
    computed in memory from the previous one, then all rows go in as one bulk insert and the
    head moves to the last. Returns the number of entries. `json_ready`: the callers' before
    and after values are JSON already (dicts of str, int, None, lists; as `model_dump(
    mode="json")` gives them), so they are stored as given instead of re-read through JSON.
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
            "before": before if json_ready else jsonable(before),
            "after": after if json_ready else jsonable(after),
        }
        digest = entry_hash(prev, body)
        rows.append({**body, "prev_hash": prev, "hash": digest})
        prev = digest
    insert_rows(db, AuditEntry.__table__, rows)
    head.last_seq, head.last_hash = seq, prev
    head.mac = head_mac(seq, prev)
    db.flush()
    return len(rows)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None
    message: str
    # money changes not in the trail (reconcile.MoneyTrail), each a Chinese sentence
    problems: list[str] = field(default_factory=list)


@dataclass
class ChainState:
    checked: int
    first_hash: str | None  # hash of entry 1, identifies the chain
    last_hash: str
    hashes_at: dict[int, str]  # the hashes asked for (the anchored seq)


def _walk(db: Session, trail: Any, want_seq: int | None) -> tuple[ChainState, VerifyResult | None]:
    """Recompute the chain, feeding every entry to the money trail; the first break or None."""
    prev = GENESIS
    first: str | None = None
    wanted: dict[int, str] = {}
    n = 0
    for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        expected_seq = n + 1
        state = ChainState(n, first, prev, wanted)
        if e.seq != expected_seq:
            return state, VerifyResult(
                False, n, e.seq, f"审计日志第 {expected_seq} 条缺失或顺序被改动"
            )
        if e.prev_hash != prev:
            return state, VerifyResult(
                False, n, e.seq, f"审计日志第 {e.seq} 条的前序哈希不符，链条被篡改"
            )
        if entry_hash(prev, _body(e)) != e.hash:
            return state, VerifyResult(
                False, n, e.seq, f"审计日志第 {e.seq} 条内容被篡改（哈希不符）"
            )
        trail.observe(e)
        if e.seq == 1:
            first = e.hash
        if e.seq == want_seq:
            wanted[e.seq] = e.hash
        prev = e.hash
        n += 1
    return ChainState(n, first, prev, wanted), None


def verify(db: Session, anchor_path: Path | None = None) -> VerifyResult:
    """Check the audit trail and the money it protects; report the first thing found wrong.

    1. the hash chain: every entry's content, link and order;
    2. the head row: it points at the last entry and carries a valid HMAC signature, so a chain
       whose hashes were all recomputed, or whose tail was cut off, is found out;
    3. the exported anchor (`anchor_path`, default the data folder's audit-anchor.json) when it
       exists: the chain still contains the anchored entry, unchanged;
    4. the money tables agree with the trail (reconcile.MoneyTrail).
    """
    path = anchor_path if anchor_path is not None else default_anchor_path()
    try:
        anchor = read_anchor(path)
    except AnchorError as e:
        return VerifyResult(False, 0, None, str(e))
    # late: the money tables' modules record audit entries through this module
    from huiqi.platform.audit.reconcile import MoneyTrail

    trail = MoneyTrail()
    chain, broken = _walk(db, trail, anchor.seq if anchor else None)
    if broken is not None:
        return broken
    n = chain.checked
    head = db.get(AuditHead, 1)
    if head is not None and (head.last_seq != n or head.last_hash != chain.last_hash):
        return VerifyResult(False, n, n + 1, "审计日志末尾的记录被删除（链头不符）")
    if n and (head is None or not head_mac_ok(head.last_seq, head.last_hash, head.mac)):
        return VerifyResult(
            False,
            n,
            n,
            "审计链头的签名（HMAC）不符：链条被整体重算或末尾被截断后改写了链头"
            if head is not None and head.mac
            else "审计链头没有签名（HMAC）：链头被改写，或尚未用 huiqi audit anchor 封存",
        )
    if anchor is not None:
        if chain.first_hash != anchor.chain_start:
            return VerifyResult(
                False, n, 1, f"审计日志与外部锚点（{path}）不是同一条链：链条从头被重写或被替换"
            )
        if n < anchor.seq:
            return VerifyResult(
                False,
                n,
                n + 1,
                f"审计日志只有 {n} 条，外部锚点（{anchor.anchored_at}）记录了 {anchor.seq} 条："
                "末尾的记录被删除",
            )
        if chain.hashes_at.get(anchor.seq) != anchor.hash:
            return VerifyResult(
                False,
                n,
                anchor.seq,
                f"审计日志第 {anchor.seq} 条与外部锚点记录的哈希不符：链条被重算",
            )
    problems = trail.problems(db)
    if problems:
        return VerifyResult(
            False,
            n,
            None,
            f"审计哈希链完整（{n} 条），但有 {len(problems)} 处资金变动未记入审计",
            problems,
        )
    anchored = (
        f"，与外部锚点（第 {anchor.seq} 条，{anchor.anchored_at}）相符"
        if anchor
        else "（尚无外部锚点：用 huiqi audit anchor 导出）"
    )
    return VerifyResult(
        True, n, None, f"审计日志完整，共 {n} 条，哈希链与资金对账校验通过{anchored}"
    )


def anchor_chain(db: Session, anchor_path: Path | None = None) -> VerifyResult:
    """Verify, then export the signed head to the anchor file (and sign an unsigned head).

    Only an intact chain is anchored: anchoring a tampered one would bless the tampering.
    """
    path = anchor_path if anchor_path is not None else default_anchor_path()
    head = db.get(AuditHead, 1)
    if head is not None and head.mac is None:
        # A chain written before heads were signed: seal it, but only if it verifies otherwise.
        head.mac = head_mac(head.last_seq, head.last_hash)
        db.flush()
    res = verify(db, path)
    if not res.ok:
        db.rollback()
        return res
    db.commit()
    first = db.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1)) or GENESIS
    last = head.last_hash if head is not None else GENESIS
    anchor = export_anchor(path, first, res.checked, last)
    return VerifyResult(
        True, res.checked, None, f"已导出签名的审计锚点：第 {anchor.seq} 条，写入 {path}"
    )


def _run(database_url: str | None, action: Any, anchor_path: Path | None) -> int:
    from huiqi.platform.db import make_engine, make_sessionmaker
    from huiqi.platform.settings import database_url_from_env

    engine = make_engine(database_url_from_env(database_url))
    try:
        with make_sessionmaker(engine)() as db:
            res = action(db, anchor_path)
    finally:
        engine.dispose()
    print(res.message)
    for problem in res.problems:
        print(f"  - {problem}")
    return 0 if res.ok else 1


def verify_database(database_url: str | None = None, anchor_path: Path | None = None) -> int:
    """CLI entry (`huiqi audit verify`): prints the result, returns the process exit code."""
    return _run(database_url, verify, anchor_path)


def anchor_database(database_url: str | None = None, anchor_path: Path | None = None) -> int:
    """CLI entry (`huiqi audit anchor`): exports the signed head; exit 1 if the chain is broken."""
    return _run(database_url, anchor_chain, anchor_path)


def entries_page(
    db: Session, entity: str = "", *, cursor: str | None = None, limit: int | None = None
) -> Page[AuditEntry]:
    """The trail newest first, optionally one kind of entity (index (entity, seq))."""
    q = select(AuditEntry)
    if entity:
        q = q.where(AuditEntry.entity == entity[:64])
    return keyset_page(
        db, "audit", q, [AuditEntry.seq], lambda e: (e.seq,), cursor=cursor, limit=limit,
        descending=True,
    )  # fmt: skip
