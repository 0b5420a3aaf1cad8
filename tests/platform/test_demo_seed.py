"""Demo data: `huiqi serve` starts with work for every role; seeding fills in what is missing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from huiqi.platform.applications.models import Application
from huiqi.platform.audit.service import verify_database
from huiqi.platform.auth.models import User
from huiqi.platform.budgets.models import BudgetPool
from huiqi.platform.db import Base
from huiqi.platform.demo import DEMO_USERS, seed, seed_applications
from huiqi.platform.enterprises.models import Enterprise, Recognition
from huiqi.platform.experts.models import ExpertAssignment
from huiqi.server import create_app


def _counts(db: Session) -> dict[str, int]:
    return {
        t.name: db.execute(select(func.count()).select_from(t)).scalar_one()
        for t in Base.metadata.sorted_tables
    }


def test_demo_applications_reach_each_officer_and_expert(database_url: str) -> None:
    app = create_app(database_url, seed_demo=True)
    with app.state.sessionmaker() as db:
        assert seed_applications(db) is True
        assert seed_applications(db) is False  # idempotent
        rows = db.execute(
            select(
                Application.measure_id, Application.status, Application.engine_amount_fen
            ).order_by(Application.id)
        ).all()
        assignments = db.execute(
            select(ExpertAssignment.application_id, User.username, ExpertAssignment.status).join(
                User, User.id == ExpertAssignment.expert_id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("2.6.1", "submitted", 400_000_00),
        ("1.3.1", "submitted", None),
        ("3.1.1", "district_passed", 560_000_00),
        ("1.3.1", "expert_review", None),  # discretionary: no formula amount
    ]
    assert [tuple(a) for a in assignments] == [(4, "expert1", "assigned")]
    # made through the services: district and city steps recorded, the audit chain intact
    assert verify_database(database_url) == 0
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/login", json={"username": "expert1", "password": "demo123"})
        token = r.json()["token"]
        mine = client.get(
            "/api/v1/experts/assignments", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert [(m["application_id"], m["status"]) for m in mine] == [(4, "assigned")]
        detail = client.get("/api/v1/applications/4", headers={"Authorization": f"Bearer {token}"})
        assert detail.status_code in (403, 404)  # the expert reads the review material only
        r = client.post("/api/v1/auth/login", json={"username": "expert2", "password": "demo123"})
        mine = client.get(
            "/api/v1/experts/assignments", headers={"Authorization": f"Bearer {r.json()['token']}"}
        ).json()
        assert mine == []
    app.state.engine.dispose()


def test_seed_fills_in_missing_demo_rows_and_only_those(database_url: str) -> None:
    app = create_app(database_url, seed_demo=True)
    with app.state.sessionmaker() as db:
        first = _counts(db)
        assert first["users"] == len(DEMO_USERS) and first["enterprises"] == 3
        assert seed(db) is False  # a second run adds nothing at all
        assert _counts(db) == first

        # a database seeded before the expert role existed: no expert accounts, one pool less
        db.execute(delete(User).where(User.role == "expert"))
        db.execute(delete(BudgetPool).where(BudgetPool.measure_id == "2.6.3"))
        # and a demo user whose password was changed on purpose stays as it is
        admin = db.scalars(select(User).where(User.username == "admin")).one()
        admin.password_hash = "changed"
        db.commit()
        assert seed(db) is True
        experts = db.execute(
            select(User.username, User.role, User.active).where(User.role == "expert")
        ).all()
        assert sorted(tuple(e) for e in experts) == [
            ("expert1", "expert", True),
            ("expert2", "expert", True),
        ]
        assert db.scalar(select(User.password_hash).where(User.username == "admin")) == "changed"
        after = _counts(db)
        audit_rows = after.pop("audit_log")
        # one demo.seed entry naming what it added, one budget.set for the re-created pool
        assert audit_rows == first["audit_log"] + 2
        assert after == {k: v for k, v in first.items() if k != "audit_log"}
        assert seed(db) is False
        assert _counts(db)["audit_log"] == audit_rows

        # an existing firm is not touched: its rows may have been edited or removed on purpose
        n_recognitions = first["recognitions"]
        data_firm = db.scalars(select(Enterprise).where(Enterprise.district == "武昌区")).one()
        db.execute(delete(Recognition).where(Recognition.enterprise_id == data_firm.id))
        db.commit()
        assert seed(db) is False
        assert _counts(db)["recognitions"] == n_recognitions - 1
    assert verify_database(database_url) == 0
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/login", json={"username": "expert2", "password": "demo123"})
        assert r.status_code == 200 and r.json()["role"] == "expert", r.text
    app.state.engine.dispose()
