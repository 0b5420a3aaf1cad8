"""The platform's credit parameters are the engine's readings: whatever an admin sets, the
submission gate (GET /enterprises/{id}/credit, the check behind submit) and the engine's
credit condition on the case the platform evaluates give the same answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from huiqi.platform.credit.service import months_before
from tests.helpers.api import AsUser

API = "/api/v1"
# a claim date inside the policy's window: the case for fiscal year 2023 is evaluated on it,
# and the gate checks on it, so both look back from the same day
TODAY = dt.date(2024, 6, 30)


@pytest.fixture(autouse=True)
def _demo_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIQI_TODAY", TODAY.isoformat())


def _gate(client: TestClient, ent: int, admin: dict[str, str]) -> bool:
    r = client.get(f"{API}/enterprises/{ent}/credit", headers=admin)
    assert r.status_code == 200, r.text
    return bool(r.json()["blocked"])


def _engine(app: Any, ent: int) -> tuple[bool, dict[str, Any]]:
    """(blocked by the engine's credit condition, the case the platform built)."""
    from huiqi.platform.engine import case_of_firm
    from huiqi.platform.enterprises.models import Enterprise
    from huiqi.platform.policy import get_policy
    from huiqi.rules.api import evaluate_case_json

    with app.state.sessionmaker() as db:
        case = case_of_firm(db, db.get(Enterprise, ent), 2023)
    assert case["as_of"] == TODAY.isoformat()
    result = evaluate_case_json(get_policy(), case)
    credit = [c for r in result["results"] for c in r["conditions"] if c["key"] == "credit"]
    assert credit, "every measure asks for the firm's credit"
    verdicts = {c["passed"] for c in credit}
    assert len(verdicts) == 1, "one credit answer for every measure"
    return not verdicts.pop(), case


def _set(client: TestClient, admin: dict[str, str], key: str, value: object) -> None:
    r = client.put(f"{API}/parameters/{key}", json={"value": value}, headers=admin)
    assert r.status_code == 200, r.text


def _penalty(
    client: TestClient, admin: dict[str, str], ent: int, day: dt.date, major: bool
) -> None:
    r = client.post(
        f"{API}/enterprises/{ent}/penalties",
        json={"decided_on": day.isoformat(), "major": major, "authority": "市市场监管局"},
        headers=admin,
    )
    assert r.status_code == 201, r.text


DEFAULTS = {
    "credit.block_enabled": True,
    "credit.penalty_months": 36,
    "credit.block_any_penalty": False,
}


def test_gate_and_engine_agree_whatever_the_admin_sets(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    admin = as_user("admin")
    ent = int(client.get(f"{API}/enterprises", headers=as_user("enterprise1")).json()[0]["id"])

    def both(expected: bool, **params: object) -> dict[str, Any]:
        for key, value in {
            **DEFAULTS,
            **{k.replace("__", "."): v for k, v in params.items()},
        }.items():
            _set(client, admin, key, value)
        gate = _gate(client, ent, admin)
        engine, case = _engine(app, ent)
        assert gate == engine == expected, (params, gate, engine, case.get("readings"))
        return case

    # an ordinary penalty last month: blocks only under the stricter reading of the guidelines
    _penalty(client, admin, ent, TODAY - dt.timedelta(days=30), major=False)
    case = both(False)
    assert "readings" not in case  # the platform's defaults are the package's defaults
    case = both(True, credit__block_any_penalty=True)
    assert case["readings"] == {"credit.block_any_penalty": True}
    both(False, credit__block_any_penalty=True, credit__block_enabled=False)

    # a major penalty 30 months back: inside 36 months, outside 24
    _penalty(client, admin, ent, months_before(TODAY, 30), major=True)
    both(True)
    case = both(False, credit__penalty_months=24)
    assert case["readings"] == {"credit.major_penalty_lookback_months": 24}
    both(False, credit__penalty_months=0)
    case = both(False, credit__block_enabled=False)
    assert case["readings"] == {
        "credit.block_serious_discredit": False,
        "credit.major_penalty_lookback_months": 0,
    }
    both(True)  # back to the defaults: blocked again, by both


def test_exactly_the_lookback_months_before_is_outside_for_both(
    app: FastAPI, client: TestClient, as_user: AsUser
) -> None:
    admin = as_user("admin")
    ent = int(client.get(f"{API}/enterprises", headers=as_user("enterprise1")).json()[0]["id"])
    _set(client, admin, "credit.penalty_months", 24)
    _penalty(client, admin, ent, months_before(TODAY, 24), major=True)
    assert _gate(client, ent, admin) is False
    assert _engine(app, ent)[0] is False
    _penalty(client, admin, ent, months_before(TODAY, 24) + dt.timedelta(days=1), major=True)
    assert _gate(client, ent, admin) is True
    assert _engine(app, ent)[0] is True


def test_lookback_takes_only_the_values_the_engine_can_evaluate(
    client: TestClient, as_user: AsUser
) -> None:
    admin = as_user("admin")
    r = client.put(f"{API}/parameters/credit.penalty_months", json={"value": 12}, headers=admin)
    assert r.status_code == 422
    (err,) = r.json()["errors"]
    assert err["path"] == "value" and "36、24、0" in err["message"]
    assert "credit.major_penalty_lookback_months" in err["message"]
    for months in (36, 24, 0):
        _set(client, admin, "credit.penalty_months", months)


def test_bulk_screening_under_the_platform_policy_finds_what_the_gate_allows(
    app, client: TestClient, as_user: AsUser
) -> None:
    from huiqi.platform.campaigns.screening import screen
    from huiqi.platform.engine import case_as_of, platform_policy
    from huiqi.platform.policy import get_policy

    admin = as_user("admin")
    day = case_as_of(2023)
    with app.state.sessionmaker() as db:
        _, found = screen(db, get_policy(), "2.6.1", 2023, day)
    assert found, "the demo has a firm eligible for 2.6.1"
    ent = found[0].enterprise_id
    _penalty(client, admin, ent, months_before(TODAY, 30), major=True)
    for months, listed in ((36, False), (24, True)):
        _set(client, admin, "credit.penalty_months", months)
        assert _gate(client, ent, admin) is not listed
        with app.state.sessionmaker() as db:
            _, found = screen(db, platform_policy(db, day), "2.6.1", 2023, day)
        assert (ent in {c.enterprise_id for c in found}) is listed, months
