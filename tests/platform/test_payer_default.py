"""Who pays by default comes from the policy package: 2.5.1 (各区依法落实) is the district's."""

from __future__ import annotations

from fastapi import FastAPI

from huiqi.platform.payments.models import PaymentShare
from huiqi.platform.payments.service import city_percent, split


def test_default_share_follows_the_policy_and_an_admin_setting_wins(app: FastAPI) -> None:
    with app.state.sessionmaker() as db:
        assert db.get(PaymentShare, "2.5.1") is None
        assert city_percent(db, "2.5.1") == 0
        assert split(123_456_78, city_percent(db, "2.5.1")) == (0, 123_456_78)
        assert city_percent(db, "2.6.1") == 100
        db.add(PaymentShare(measure_id="2.5.1", city_percent=30))
        db.commit()
        assert city_percent(db, "2.5.1") == 30
