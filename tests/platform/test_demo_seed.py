"""`huiqi serve` starts with applications in flight, so each officer has work to do."""

from __future__ import annotations

from sqlalchemy import select

from huiqi.platform.app import create_app
from huiqi.platform.applications.models import Application
from huiqi.platform.demo import seed_applications


def test_demo_applications_reach_each_officer(database_url: str) -> None:
    app = create_app(database_url, seed_demo=True)
    with app.state.sessionmaker() as db:
        assert seed_applications(db) is True
        assert seed_applications(db) is False  # idempotent
        rows = db.execute(
            select(
                Application.measure_id, Application.status, Application.engine_amount_fen
            ).order_by(Application.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("2.6.1", "submitted", 400_000_00),
        ("1.3.1", "submitted", None),
        ("3.1.1", "district_passed", 560_000_00),
    ]
