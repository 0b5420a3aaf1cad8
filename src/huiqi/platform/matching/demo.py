"""Demo 供需对接 entries for a first start of `huiqi serve` (the policy package's demo.yaml),
submitted by their owners and published by a curating unit's officer through the same services
the pages use (lifecycle, audit). Tests start from an empty platform instead."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.demo import fen
from huiqi.platform.matching import service
from huiqi.platform.matching.lifecycle import Action
from huiqi.platform.matching.models import MatchingEntry
from huiqi.platform.matching.schemas import EntryIn
from huiqi.platform.policy import demo_data

_DEMO = demo_data()
# (owner account, entry), from the policy package's demo.yaml
DEMO_ENTRIES: list[tuple[str, dict[str, object]]] = [
    (str(e["owner"]), fen(e["entry"])) for e in _DEMO.get("matching_entries", [])
]
CURATOR = str(_DEMO.get("matching_curator", ""))


def seed_matching(db: Session) -> bool:
    """Add the demo entries when there are none; False otherwise (or without the accounts)."""
    if db.scalar(select(MatchingEntry.id).limit(1)) is not None:
        return False
    users = {u.username: Principal.of(u) for u in db.scalars(select(User))}
    if CURATOR not in users or any(name not in users for name, _ in DEMO_ENTRIES):
        return False
    for owner, body in DEMO_ENTRIES:
        entry = service.save(db, users[owner], EntryIn.model_validate(body), submit=True)
        service.act(db, users[CURATOR], entry.id, Action.PUBLISH)
    return True
