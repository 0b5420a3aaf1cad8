"""The scale fixture (firms, a year of applications in every status, their history) seeded
into a test app, and the principal of a demo account — shared by the list-page tests."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.auth.models import User
from huiqi.platform.auth.service import Principal
from huiqi.platform.scale import seed_applications, seed_registry
from huiqi.platform.scale_history import seed_history


def seed_scaled(app: FastAPI, firms: int, applications: int, *, seed: int) -> FastAPI:
    with app.state.sessionmaker() as db:
        first = seed_registry(db, firms, seed=seed)
        seeded = seed_applications(db, applications, first_enterprise=first, firms=firms, seed=seed)
        seed_history(db, seeded)
        db.commit()
    return app


def who(db: Session, username: str) -> Principal:
    return Principal.of(db.scalars(select(User).where(User.username == username)).one())
