"""Which applications a person may see: the one scope every list, page and document check uses
(a firm its own, a district officer its district's, a city officer its bureau's measures)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from huiqi.platform.applications import lifecycle
from huiqi.platform.applications.models import Application
from huiqi.platform.auth.principal import Principal
from huiqi.platform.errors import forbidden
from huiqi.platform.scoped import one_visible


def measures_of_units(units: tuple[str, ...]) -> list[str]:
    """Measures a city officer handles: those naming one of their units as responsible."""
    return lifecycle.units_measures(units)


def scope_query(p: Principal) -> Select[Application]:
    q = select(Application)
    if p.role == "enterprise":
        return q.where(Application.enterprise_id == (p.enterprise_id or -1))
    # Drafts are the firm's private working copies: no officer queue, list or detail shows them.
    q = q.where(Application.status != "draft")
    if p.role == "district_officer":
        # routed by the district frozen at submission, not the firm's registration today
        return q.where(Application.district == p.district)
    if p.role == "city_officer":
        return q.where(Application.measure_id.in_(measures_of_units(p.units)))
    if p.role == "admin":
        return q
    raise forbidden()


def get_visible_app(db: Session, p: Principal, app_id: int, *, lock: bool = False) -> Application:
    q = scope_query(p).where(Application.id == app_id)
    return one_visible(db, q, Application, lock=lock, what="申报", path="application_id")
