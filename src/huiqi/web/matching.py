"""供需对接 pages: published demands and supplies for everyone, with Chinese search; forms to
submit a demand or a supply; the owner's page with its matches and 对接申请; the curators'
queue. The annual lists and the 供需对接大会 are in matching_events.py (included here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from huiqi.platform.errors import ApiError
from huiqi.platform.matching import lifecycle, service
from huiqi.platform.matching import schemas as s
from huiqi.platform.matching.lifecycle import Action
from huiqi.web.common import amount_fen, form_dict
from huiqi.web.deps import MaybeUser, OfficerUser, PageDb, PageUser, require_page
from huiqi.web.forms import read_form
from huiqi.web.matching_events import router as events_router
from huiqi.web.render import Redraw, field_errors, page, redirect
from huiqi.web.session import WebUser

router = APIRouter(prefix="/matching")
router.include_router(events_router)
PARTIES = ("enterprise", "district_officer", "city_officer")
PartyUser = Annotated[WebUser, Depends(require_page(*PARTIES))]


def vocab() -> dict[str, Any]:
    return {
        "fields": list(s.FIELDS),
        "districts": s.district_names(),
        "kind_zh": s.KIND_ZH,
        "category_zh": s.CATEGORY_ZH,
        "demand_categories": list(s.DEMAND_CATEGORIES.items()),
        "supply_categories": list(s.SUPPLY_CATEGORIES.items()),
        "status_zh": lifecycle.STATUS_ZH,
        "contact_zh": lifecycle.CONTACT_STATUS_ZH,
    }


def entry_row(e: Any, private: bool = False) -> dict[str, Any]:
    model = s.EntryPrivate if private else s.EntryOut
    return model.model_validate(e).model_dump()


@router.get("", summary="供需对接平台")
def home(
    request: Request,
    user: MaybeUser,
    db: PageDb,
    q: str = "",
    kind: str = "",
    field: str = "",
    district: str = "",
) -> Response:
    q, kind = q.strip()[:200], kind if kind in s.KIND_ZH else ""
    field = field if field in s.FIELDS else ""
    district = district if district in s.district_names() else ""
    found = service.published(db, kind or None, q=q, field=field or None, district=district or None)
    rows = [entry_row(e) | {"score": sc} for e, sc in found]
    data = {
        "entries": rows,
        "filters": {"q": q, "kind": kind, "field": field, "district": district},
        "may_submit": user is not None and user.role in PARTIES,
        "may_curate": user is not None
        and (user.role == "admin" or lifecycle.is_curator(user.principal)),
        **vocab(),
    }
    return page(request, "matching/home.html", data, title="供需对接平台")


@router.get("/mine", summary="我的需求与供给")
def mine(request: Request, user: PartyUser, db: PageDb) -> Response:
    rows = [entry_row(e, True) for e in service.mine(db, user.principal)]
    contacts = [
        service.contact_view(db, user.principal, c)
        for c in service.contacts_for(db, user.principal)
    ]
    data = {"entries": rows, "contacts": contacts, **vocab()}
    return page(request, "matching/mine.html", data, title="我的供需")


@router.get("/new", summary="提交需求或供给")
def new_form(request: Request, user: PartyUser, kind: str = "demand") -> Response:
    kind = "supply" if kind == "supply" else "demand"
    return _form(request, user, {"kind": kind})


def _form(
    request: Request,
    user: WebUser,
    form: dict[str, Any],
    redraw: Redraw | None = None,
    entry_id: int | None = None,
) -> Response:
    data = {
        "kind": form.get("kind", "demand"),
        "entry_id": entry_id,
        "units": list(user.principal.units),
        **vocab(),
    }
    title = f"提交{s.KIND_ZH[data['kind']]}"
    return page(request, "matching/form.html", data, title=title, redraw=redraw, form=form)


def _parse(form: dict[str, str], errors: dict[str, str]) -> s.EntryIn | None:
    """The entry form through the platform's EntryIn; budgets are typed as people write them
    (`50万`), so they are read into fen first and a wrong one is named beside its field."""
    budget = {
        name: amount_fen(form.get(name, ""), name, errors)
        for name in ("budget_min_fen", "budget_max_fen")
    }
    typed = {**form, **{k: "" if v is None else v for k, v in budget.items()}}
    body, schema_errors = read_form(s.EntryIn, {"kind": "demand", **typed})
    for name, text in schema_errors.items():
        errors.setdefault(name, text)
    return None if errors else body


@router.post("/new", summary="提交需求或供给")
async def create(request: Request, user: PartyUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    data = _parse(form, errors)
    if data is not None:
        try:
            e = service.save(db, user.principal, data, submit=form.get("submit") != "draft")
        except ApiError as exc:
            db.rollback()
            errors = field_errors(exc)
        else:
            msg = "已保存草稿" if e.status == "draft" else "已提交，待供需对接工作人员审核发布"
            return redirect(request, f"/matching/entries/{e.id}?msg={msg}")
    return _form(request, user, form, Redraw(errors, form))


@router.get("/entries/{entry_id}", summary="供需条目")
def detail(request: Request, user: MaybeUser, db: PageDb, entry_id: int) -> Response:
    p = user.principal if user else None
    e = service.get_visible(db, p, entry_id)
    mine_ = p is not None and bool(lifecycle.acts_as(p, e))
    owner = p is not None and e.owner_key in lifecycle.parties(p)
    matches = [m.model_dump() for m in service.matches(db, p, e.id)] if mine_ and p else []
    data = {
        "entry": entry_row(e, mine_),
        "actions": [(t.action.value, t.label) for t in lifecycle.LIFECYCLE.allowed_for(p, e)]
        if p
        else [],
        "matches": matches,
        "is_owner": owner,
        "may_contact": owner and e.status == "published",
        **vocab(),
    }
    return page(request, "matching/entry.html", data, title=e.title)


@router.post("/entries/{entry_id}/act", summary="发布、退回或关闭")
async def act(request: Request, user: PageUser, db: PageDb, entry_id: int) -> Response:
    form = form_dict(await request.form())
    try:
        action = Action(form.get("action", ""))
    except ValueError:
        return redirect(request, f"/matching/entries/{entry_id}?msg=请选择操作")
    try:
        e = service.act(db, user.principal, entry_id, action, form.get("reason", ""))
    except ApiError as exc:
        db.rollback()
        return redirect(request, f"/matching/entries/{entry_id}?msg={exc.errors[0]['message']}")
    msg = f"已{lifecycle.ACTION_ZH[action]}：当前状态“{lifecycle.LIFECYCLE.status_label(e.status)}”"
    return redirect(request, f"/matching/entries/{entry_id}?msg={msg}")


@router.get("/queue", summary="待审核发布")
def queue(request: Request, user: OfficerUser, db: PageDb) -> Response:
    rows = [entry_row(e, True) for e in service.queue(db, user.principal)]
    return page(request, "matching/queue.html", {"entries": rows, **vocab()}, title="待审核发布")


@router.post("/contacts", summary="发起对接申请")
async def request_contact(request: Request, user: PartyUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    back = form.get("back", "/matching/mine")
    back = back if back.startswith("/matching/") else "/matching/mine"
    body, _errors = read_form(s.ContactIn, {**form, "message": form.get("message", "")[:2000]})
    if body is None:
        return redirect(request, f"{back}?msg=请从匹配结果中选择要对接的条目")
    try:
        service.request_contact(db, user.principal, body)
    except ApiError as exc:
        db.rollback()
        return redirect(request, f"{back}?msg={exc.errors[0]['message']}")
    return redirect(request, "/matching/mine?msg=对接申请已发送，等待对方答复#contacts")


@router.post("/contacts/{contact_id}/answer", summary="答复对接申请")
async def answer(request: Request, user: PartyUser, db: PageDb, contact_id: int) -> Response:
    form = form_dict(await request.form())
    if form.get("answer") not in ("accept", "decline"):
        return redirect(request, "/matching/mine?msg=请选择同意或婉拒#contacts")
    try:
        c = service.answer_contact(
            db, user.principal, contact_id, form["answer"] == "accept", form.get("note", "")[:2000]
        )
    except ApiError as exc:
        db.rollback()
        return redirect(request, f"/matching/mine?msg={exc.errors[0]['message']}#contacts")
    msg = "已同意对接，双方可见彼此的联系方式" if c.status == "accepted" else "已婉拒"
    return redirect(request, f"/matching/mine?msg={msg}#contacts")
