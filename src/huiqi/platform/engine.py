"""Adapter from stored facts to the rules core.

The platform never re-implements a rule: it builds the same case JSON a person would give
`huiqi evaluate`, calls `huiqi.rules.api.evaluate_case_json`, and keeps the row for the measure
(and project) applied for. The case JSON is what gets frozen as the application's snapshot, so
any evaluation can be replayed later with the CLI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huiqi.platform.applications.frozen import measure_evaluation
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.policy import get_policy
from huiqi.rules.money import fen_to_str
from huiqi.rules.policy import Policy


def yuan_to_fen(text: str | None) -> int | None:
    if text is None:
        return None
    return int(Decimal(text) * 100)


def _default_as_of(policy: Policy, fiscal_year: int) -> dt.date:
    """Today, moved into the year in which `fiscal_year` is applied for: annual measures are
    applied for in the following year (the policy's fiscal-year lag), so an officer re-checking
    a 2023 application in 2026 still evaluates it as of its application year."""
    today = business_today()
    lag = int(policy.parameter_at("interpretation.annual_fiscal_year_lag", policy.window_start))
    year = fiscal_year + lag
    return min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))


def case_as_of(fiscal_year: int, as_of: dt.date | None = None) -> dt.date:
    policy = get_policy()
    day = as_of or _default_as_of(policy, fiscal_year)
    # The policy is only applicable inside its window; clamp so that a platform running after
    # the window still evaluates cases "as of" its last day instead of failing every case.
    start: dt.date = policy.window_start
    end: dt.date = policy.window_end
    return min(max(day, start), end)


def case_of_firm(
    db: Session,
    ent: Enterprise,
    fiscal_year: int,
    as_of: dt.date | None = None,
    *,
    exclude_application_id: int | None = None,
) -> dict[str, Any]:
    """The case JSON for one firm from its profile and its awards on this platform."""
    from huiqi.platform.applications.models import AWARDED, Application
    from huiqi.platform.enterprises.models import Penalty

    day = case_as_of(fiscal_year, as_of)
    last_penalty = db.scalar(
        select(func.max(Penalty.decided_on)).where(Penalty.enterprise_id == ent.id)
    )
    last_major_penalty = db.scalar(
        select(func.max(Penalty.decided_on)).where(
            Penalty.enterprise_id == ent.id, Penalty.major.is_(True)
        )
    )
    enterprise: dict[str, Any] = {
        "name": ent.name,
        "credit_code": ent.credit_code,
        "district": ent.district,
        "industry": ent.industry,
        "size": ent.size,
        "software_enterprise": ent.is_software,
        "serious_discredit": ent.credit_status == "serious_discredit",
    }
    if last_penalty is not None:
        enterprise["last_penalty_date"] = last_penalty.isoformat()
    if last_major_penalty is not None:
        enterprise["last_major_penalty_date"] = last_major_penalty.isoformat()
    annual: dict[str, Any] = {}
    for f in ent.figures:
        figs = {}
        if f.revenue_fen is not None:
            figs["revenue"] = fen_to_str(f.revenue_fen)
        if f.rd_expense_fen is not None:
            figs["rd_expense"] = fen_to_str(f.rd_expense_fen)
        annual[str(f.year)] = figs
    recognitions = [
        {
            "kind": r.kind,
            **({"level": r.level} if r.level is not None else {}),
            "date": r.granted_on.isoformat(),
            **({"name": r.name} if r.name else {}),
        }
        for r in ent.recognitions
    ]
    projects = []
    for pr in ent.projects:
        item: dict[str, Any] = {"id": str(pr.id), "kind": pr.kind, "name": pr.name}
        for key, value in (pr.fields or {}).items():
            if key.endswith("_fen"):
                item[key[:-4]] = fen_to_str(value) if value is not None else None
            else:
                item[key] = value
        projects.append(item)
    awards = db.scalars(
        select(Application).where(
            Application.enterprise_id == ent.id,
            Application.status.in_(AWARDED),
            Application.id != (exclude_application_id or -1),
        )
    )
    prior = [
        {
            "measure": a.measure_id,
            "fiscal_year": a.fiscal_year,
            "amount": fen_to_str(a.decided_amount_fen or 0),
            **({"project": str(a.project_id)} if a.project_id is not None else {}),
        }
        for a in awards
    ]
    case: dict[str, Any] = {
        "as_of": day.isoformat(),
        "fiscal_year": fiscal_year,
        "enterprise": enterprise,
        "annual": annual,
        "recognitions": recognitions,
        "projects": projects,
        "prior_awards": prior,
    }
    readings = platform_readings(db, day)
    if readings:
        case["readings"] = readings
    return case


def platform_policy(db: Session, day: dt.date) -> Any:
    """The policy under the platform's readings, for paths that evaluate without a case JSON
    (bulk screening of the firm registry): they then find the firms `case_of_firm` would."""
    return get_policy().with_readings(platform_readings(db, day))


def platform_readings(db: Session, day: dt.date) -> dict[str, Any]:
    """The readings the platform's runtime parameters decide (credit), where they differ from
    the policy package's own value on `day`: the engine then applies the rule the submission
    gate applies, and the frozen case replays with `huiqi evaluate` as the platform saw it.
    Readings equal to the package's are left out, so a default platform's cases read as
    before."""
    from huiqi.platform.credit.service import credit_readings

    policy = get_policy()
    out: dict[str, Any] = {}
    for name, value in credit_readings(db).items():
        param = policy.parameters.get(name)
        if param is None or not param.interpretation:
            continue  # a package without this reading has no such rule to align
        if policy.parameter_at(name, day) != value:
            out[name] = value
    return out


@dataclass
class MeasureOutcome:
    status: str  # eligible | ineligible | discretionary | excluded | not_applicable
    amount_fen: int | None
    cap_fen: int | None
    evaluation: dict[str, Any]


def evaluate_measure(
    case: dict[str, Any], measure_id: str, project_id: int | None
) -> MeasureOutcome:
    """Evaluate the case and keep the row of `measure_id` (for `project_id` when project-level)."""
    evaluation = measure_evaluation(get_policy(), case, measure_id, project_id)
    row = evaluation["row"]
    if row is None:
        return MeasureOutcome("ineligible", None, None, evaluation)
    amount = yuan_to_fen(row["amount"]) if row["status"] == "eligible" else None
    return MeasureOutcome(row["status"], amount, yuan_to_fen(row.get("cap")), evaluation)
