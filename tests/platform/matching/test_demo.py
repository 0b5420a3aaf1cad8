"""The demo entries `huiqi serve` starts with: made through the services, idempotent, audited,
and matched as a visitor would expect."""

from __future__ import annotations

from sqlalchemy import func, select

from huiqi.platform.audit.service import verify_database
from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.matching import service
from huiqi.platform.matching.demo import DEMO_ENTRIES, seed_matching
from huiqi.platform.matching.models import MatchingEntry
from huiqi.server import create_app


def test_demo_entries_published_and_matched(database_url: str) -> None:
    app = create_app(database_url, seed_demo=True)
    with app.state.sessionmaker() as db:
        assert seed_matching(db) is True
        assert seed_matching(db) is False  # idempotent
        statuses = db.execute(
            select(MatchingEntry.status, func.count()).group_by(MatchingEntry.status)
        ).all()
        assert [tuple(s) for s in statuses] == [("published", len(DEMO_ENTRIES))]
        maker = Principal.of(db.scalars(select(User).where(User.username == "enterprise2")).one())
        demand = db.scalars(
            select(MatchingEntry).where(MatchingEntry.title == "冲压车间设备故障预警")
        ).one()
        found = service.matches(db, maker, demand.id)
        # the supplier's monitoring system first; the maker's own digital twin is not proposed
        assert found[0].entry.title == "机床振动监测与故障预警系统"
        assert "智能制造车间数字孪生" not in [m.entry.title for m in found]
    assert verify_database(database_url) == 0
    app.state.engine.dispose()
