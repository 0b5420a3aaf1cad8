"""Demands and supplies: submission, curation, visibility, matching and 对接申请 (contacts).

Every status change goes through LIFECYCLE.move() (one audit entry each); every write commits
with its audit entry or not at all. A non-published entry is seen only by its owner, the
curators of its district and admins; published ones are public. A contact is seen only by its
two parties, the curators and admins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.db import utcnow
from huiqi.platform.enterprises.models import Enterprise
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.matching import search
from huiqi.platform.matching.lifecycle import (
    CONTACT_TABLE,
    LIFECYCLE,
    Action,
    ContactStatus,
    Status,
    acts_as,
    is_curator,
    parties,
)
from huiqi.platform.matching.models import MatchingContact, MatchingEntry
from huiqi.platform.matching.schemas import (
    DEMAND_CATEGORIES,
    KIND_ZH,
    SUPPLY_CATEGORIES,
    ContactIn,
    ContactOut,
    EntryIn,
    MatchOut,
)

EDITABLE = (
    "category",
    "title",
    "description",
    "field",
    "district",
    "budget_min_fen",
    "budget_max_fen",
    "deadline",
    "contact_name",
    "contact_phone",
)


def owner_of(db: Session, p: Principal, kind: str, unit: str | None) -> tuple[str, str]:
    """(owner key, owner name) of a new entry: the firm, or the officer's unit or district.
    Supplies come from firms (providers); demands also from government units."""
    if p.role == "enterprise" and p.enterprise_id is not None:
        firm = db.get(Enterprise, p.enterprise_id)
        return f"e:{p.enterprise_id}", firm.name if firm else "企业"
    if kind == "supply":
        raise forbidden("供给（产品、解决方案、新场景新产品新应用）由企业账号提交")
    if p.role == "city_officer" and p.units:
        chosen = unit or p.units[0]
        if chosen not in p.units:
            raise ApiError(
                422, "own_unit", f"只能代表本人所在单位提交：{'、'.join(p.units)}", "owner_unit"
            )
        return f"u:{chosen}", chosen
    if p.role == "district_officer" and p.district:
        return f"u:{p.district}", f"{p.district}人民政府（管委会）"
    raise forbidden("需求由企业账号或政府单位工作人员账号提交")


def check_entry(data: EntryIn, *, submitting: bool) -> None:
    """Rules across fields, each error naming its field (guard deadline_not_past)."""
    allowed = DEMAND_CATEGORIES if data.kind == "demand" else SUPPLY_CATEGORIES
    if data.category not in allowed:
        words = "、".join(f"{k}（{v}）" for k, v in allowed.items())
        raise ApiError(422, "enum", f"{KIND_ZH[data.kind]}的类别应为 {words} 之一", "category")
    lo, hi = data.budget_min_fen, data.budget_max_fen
    if lo is not None and hi is not None and lo > hi:
        raise ApiError(422, "budget_order", "预算下限不能高于预算上限", "budget_min_fen")
    if data.kind == "supply" and data.deadline is not None:
        raise ApiError(422, "demand_only", "截止日期只适用于需求", "deadline")
    if submitting and data.deadline is not None and data.deadline < business_today():
        raise ApiError(
            422,
            "deadline_not_past",
            f"截止日期 {data.deadline} 早于今天（北京时间 {business_today()}）",
            "deadline",
        )


def save(
    db: Session, p: Principal, data: EntryIn, *, submit: bool, entry_id: int | None = None
) -> MatchingEntry:
    """Create or change an entry: as a draft, or submitted for curation (a returned entry
    is amended and submitted again)."""
    check_entry(data, submitting=submit)
    if entry_id is None:
        key, name = owner_of(db, p, data.kind, data.owner_unit)
        entry = MatchingEntry(kind=data.kind, owner_key=key, owner_name=name, created_by=p.username)
        _fill(entry, data)
        LIFECYCLE.move(db, entry, p, Action.SUBMIT if submit else Action.SAVE_DRAFT, new=True)
    else:
        entry = get_visible(db, p, entry_id, lock=True)
        if data.kind != entry.kind:
            raise ApiError(422, "kind_fixed", "不能把需求改为供给（或反之）", "kind")
        before = _snapshot(entry)
        _fill(entry, data)
        action = Action.SAVE_DRAFT
        if submit:
            action = Action.AMEND if entry.status == Status.RETURNED else Action.SUBMIT
        LIFECYCLE.move(db, entry, p, action, before=before)
    db.commit()
    return entry


def _snapshot(entry: MatchingEntry) -> dict[str, Any]:
    from huiqi.platform.matching.schemas import snapshot

    return snapshot(entry)


def _fill(entry: MatchingEntry, data: EntryIn) -> None:
    for name in EDITABLE:
        setattr(entry, name, getattr(data, name))
    entry.search_text = search.index_text(entry)


def may_see(p: Principal | None, entry: MatchingEntry) -> bool:
    if entry.status == Status.PUBLISHED:
        return True
    return p is not None and bool(acts_as(p, entry))


def get_visible(
    db: Session, p: Principal | None, entry_id: int, *, lock: bool = False
) -> MatchingEntry:
    q = select(MatchingEntry).where(MatchingEntry.id == entry_id)
    entry = db.scalar(q.with_for_update() if lock else q)
    if entry is None or not may_see(p, entry):
        raise not_found("供需条目", "entry_id")
    return entry


def act(
    db: Session, p: Principal, entry_id: int, action: Action, reason: str = ""
) -> MatchingEntry:
    """Publish, return or close (the lifecycle table says who)."""
    entry = get_visible(db, p, entry_id, lock=True)
    changes: dict[str, Any] = {}
    if action == Action.RETURN:  # the table's reason_required guard refuses a blank one
        changes["return_reason"] = reason.strip()
    if action == Action.PUBLISH:
        changes |= {"list_year": business_today().year, "return_reason": None}
    LIFECYCLE.move(db, entry, p, action, **changes)
    db.commit()
    return entry


def mine(db: Session, p: Principal) -> list[MatchingEntry]:
    keys = parties(p)
    if not keys:
        return []
    q = select(MatchingEntry).where(MatchingEntry.owner_key.in_(keys))
    return list(db.scalars(q.order_by(MatchingEntry.id.desc())))


def curation_scope(p: Principal, q: Select[Any]) -> Select[Any]:
    """Entries `p` curates: all for a 五（三） unit or an admin, their district's otherwise."""
    if p.role == "admin" or (p.role == "city_officer" and is_curator(p)):
        return q
    if p.role == "district_officer" and p.district:
        return q.where(MatchingEntry.district == p.district)
    return q.where(MatchingEntry.id.is_(None))


def queue(db: Session, p: Principal) -> list[MatchingEntry]:
    if not (p.role == "admin" or is_curator(p)):
        raise forbidden("只有供需对接责任单位的工作人员可以审核发布")
    q = select(MatchingEntry).where(MatchingEntry.status == Status.SUBMITTED)
    return list(db.scalars(curation_scope(p, q).order_by(MatchingEntry.id)))


def published(
    db: Session,
    kind: str | None = None,
    *,
    q: str = "",
    field: str | None = None,
    district: str | None = None,
    year: int | None = None,
) -> list[tuple[MatchingEntry, float | None]]:
    """Published entries, filtered; with `q`, ranked by Chinese text search."""
    if q.strip():
        hits: list[tuple[MatchingEntry, float | None]] = []
        for k in (kind,) if kind else ("demand", "supply"):
            hits += [
                (h.entry, h.score)
                for h in search.rank(
                    db,
                    q,
                    k,
                    field=field,
                    district=district,
                    only_field=bool(field),
                    only_district=bool(district),
                    limit=100,
                )
                if h.text_score > 0 and (year is None or h.entry.list_year == year)
            ]
        return sorted(hits, key=lambda h: -(h[1] or 0))
    stmt = select(MatchingEntry).where(MatchingEntry.status == Status.PUBLISHED)
    if kind:
        stmt = stmt.where(MatchingEntry.kind == kind)
    if field:
        stmt = stmt.where(MatchingEntry.field == field)
    if district:
        stmt = stmt.where(MatchingEntry.district == district)
    if year:
        stmt = stmt.where(MatchingEntry.list_year == year)
    return [(e, None) for e in db.scalars(stmt.order_by(MatchingEntry.id.desc()).limit(500))]


def matches(db: Session, p: Principal, entry_id: int, limit: int = 20) -> list[MatchOut]:
    """Published counterparts of the entry, best first: supplies for a demand, demands for
    a supply. For its owner, the curators and admins."""
    entry = get_visible(db, p, entry_id)
    if not acts_as(p, entry):
        raise forbidden("只有条目的提交方和供需对接工作人员可以查看匹配结果")
    other = "supply" if entry.kind == "demand" else "demand"
    hits = search.rank(
        db,
        f"{entry.title} {entry.description}",
        other,
        field=entry.field,
        district=entry.district,
        exclude_owner=entry.owner_key,
        limit=limit,
    )
    pair = (
        (lambda h: (entry.id, h.entry.id))
        if entry.kind == "demand"
        else (lambda h: (h.entry.id, entry.id))
    )
    contacts = {
        (c.demand_id, c.supply_id): c.id
        for c in db.scalars(
            select(MatchingContact).where(
                or_(MatchingContact.demand_id == entry.id, MatchingContact.supply_id == entry.id)
            )
        )
    }
    from huiqi.platform.matching.schemas import EntryOut

    return [
        MatchOut(
            entry=EntryOut.model_validate(h.entry),
            score=h.score,
            text_score=h.text_score,
            same_field=h.same_field,
            same_district=h.same_district,
            contact_id=contacts.get(pair(h)),
        )
        for h in hits
    ]


# ---- 对接申请 ------------------------------------------------------------------------------


def request_contact(db: Session, p: Principal, data: ContactIn) -> MatchingContact:
    demand, supply = db.get(MatchingEntry, data.demand_id), db.get(MatchingEntry, data.supply_id)
    if demand is None or demand.kind != "demand" or demand.status != Status.PUBLISHED:
        raise ApiError(422, "not_published", "需求不存在或尚未发布", "demand_id")
    if supply is None or supply.kind != "supply" or supply.status != Status.PUBLISHED:
        raise ApiError(422, "not_published", "供给不存在或尚未发布", "supply_id")
    mine_ = parties(p)
    if demand.owner_key in mine_ and supply.owner_key in mine_:
        raise ApiError(422, "same_party", "需求和供给都是本方提交的，无需对接", "supply_id")
    if demand.owner_key in mine_:
        requester, responder = demand.owner_key, supply.owner_key
    elif supply.owner_key in mine_:
        requester, responder = supply.owner_key, demand.owner_key
    else:
        raise forbidden("只有需求方或供给方可以发起对接申请")
    contact = MatchingContact(
        demand_id=demand.id,
        supply_id=supply.id,
        requester_key=requester,
        responder_key=responder,
        message=data.message,
        status=ContactStatus.PENDING.value,
        requested_by=p.username,
        requested_at=utcnow(),
    )
    db.add(contact)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise ApiError(
            409, "duplicate", "这对需求和供给已有对接申请，请在“我的对接”中查看", "supply_id"
        ) from None
    _, audit = CONTACT_TABLE[(None, "request")]
    record(db, p, audit, "matching_contact", contact.id, None, _contact(contact))
    db.commit()
    return contact


def _contact(c: MatchingContact) -> dict[str, Any]:
    return ContactOut.model_validate(c).model_dump(mode="json")


def answer_contact(
    db: Session, p: Principal, contact_id: int, accept: bool, note: str = ""
) -> MatchingContact:
    q = select(MatchingContact).where(MatchingContact.id == contact_id).with_for_update()
    contact = db.scalar(q)
    if contact is None or not may_see_contact(db, p, contact):
        raise not_found("对接申请", "contact_id")
    if contact.responder_key not in parties(p):
        raise forbidden("对接申请只能由被申请的一方答复")
    action = "accept" if accept else "decline"
    row = CONTACT_TABLE.get((contact.status, action))
    if row is None:
        raise ApiError(409, "wrong_status", "该对接申请已经答复过", "status")
    before = _contact(contact)
    contact.status, contact.responded_by = row[0], p.username
    contact.responded_at, contact.response_note = utcnow(), note
    db.flush()
    record(db, p, row[1], "matching_contact", contact.id, before, _contact(contact))
    db.commit()
    return contact


def may_see_contact(db: Session, p: Principal, contact: MatchingContact) -> bool:
    if {contact.requester_key, contact.responder_key} & parties(p) or p.role == "admin":
        return True
    if p.role == "city_officer":
        return is_curator(p)
    if p.role == "district_officer":
        demand = db.get(MatchingEntry, contact.demand_id)
        supply = db.get(MatchingEntry, contact.supply_id)
        return any(e is not None and is_curator(p, e.district) for e in (demand, supply))
    return False


def contacts_for(db: Session, p: Principal) -> list[MatchingContact]:
    """The contacts `p` may see: as a party, or as a curator (district officers: those
    touching an entry of their district)."""
    keys = parties(p)
    q = select(MatchingContact).order_by(MatchingContact.id.desc()).limit(500)
    if p.role == "admin" or (p.role == "city_officer" and is_curator(p)):
        return list(db.scalars(q))
    rows = (
        list(db.scalars(q))
        if p.role == "district_officer"
        else list(
            db.scalars(
                q.where(
                    or_(
                        MatchingContact.requester_key.in_(keys),
                        MatchingContact.responder_key.in_(keys),
                    )
                )
            )
        )
    )
    return [c for c in rows if may_see_contact(db, p, c)]


def get_contact(db: Session, p: Principal, contact_id: int) -> MatchingContact:
    contact = db.get(MatchingContact, contact_id)
    if contact is None or not may_see_contact(db, p, contact):
        raise not_found("对接申请", "contact_id")
    return contact


def contact_view(db: Session, p: Principal, c: MatchingContact) -> dict[str, Any]:
    """A contact as its reader sees it: both entries, and the other side's contact details
    once the contact is accepted (before that a party sees only the published entry)."""
    demand, supply = db.get(MatchingEntry, c.demand_id), db.get(MatchingEntry, c.supply_id)
    assert demand is not None and supply is not None
    open_ = (
        c.status == ContactStatus.ACCEPTED
        or p.role == "admin"
        or not ({c.requester_key, c.responder_key} & parties(p))
    )
    side = (
        "demand"
        if demand.owner_key in parties(p)
        else ("supply" if supply.owner_key in parties(p) else "")
    )
    other = supply if side == "demand" else demand

    def party(e: MatchingEntry) -> dict[str, Any]:
        d = {
            "id": e.id,
            "title": e.title,
            "owner_name": e.owner_name,
            "field": e.field,
            "district": e.district,
        }
        if open_ or e is not other:
            d |= {"contact_name": e.contact_name, "contact_phone": e.contact_phone}
        return d

    return {
        **ContactOut.model_validate(c).model_dump(exclude={"requester_key", "responder_key"}),
        "demand": party(demand),
        "supply": party(supply),
        "my_side": side,
        "i_requested": c.requester_key in parties(p),
        "may_answer": c.status == ContactStatus.PENDING and c.responder_key in parties(p),
    }
