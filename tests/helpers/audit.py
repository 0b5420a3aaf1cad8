"""The audit table's append-only guard, dropped where a test plays the attacker."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def drop_append_only_guard(db: Session, database_url: str) -> None:
    """What an attacker with owner rights would do first: remove the append-only triggers."""
    if database_url.startswith("postgresql"):
        db.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        db.execute(text("DROP TRIGGER audit_log_no_update"))
        db.execute(text("DROP TRIGGER audit_log_no_delete"))
    db.commit()
