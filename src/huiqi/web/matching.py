"""供需对接 pages: published demands and supplies for everyone, with Chinese search; forms to
submit a demand or a supply; the owner's page with its matches and 对接申请; the curators'
queue. The annual lists and the 供需对接大会 are in matching_events.py (included here)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from huiqi.platform.errors import ApiError
from huiqi.platform.matching import lifecycle, service
from huiqi.platform.matching import schemas as s
from huiqi.platform.matching.lifecycle import Action
from huiqi.web.common import amount_fen, form_dict, open_db
from huiqi.web.matching_events import router as events_router
from huiqi.web.render import html_error, page, redirect
from huiqi.web.session import current, field_errors, need

router = APIRouter(prefix="/matching")
router.include_router(events_router)
PARTIES = ("enterprise", "district_officer", "city_officer")


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
    request: Request, q: str = "", kind: str = "", field: str = "", district: str = ""
) -> Response:
    q, kind = q.strip()[:200], kind if kind in s.KIND_ZH else ""
    field = field if field in s.FIELDS else ""
    district = district if district in s.district_names() else ""
    user = current(request)
    with open_db(request) as db:
        found = service.published(
            db, kind or None, q=q, field=field or None, district=district or None
        )
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
def mine(request: Request) -> Response:
    user = need(request, *PARTIES)
    with open_db(request) as db:
        rows = [entry_row(e, True) for e in service.mine(db, user.principal)]
        contacts = [
            service.contact_view(db, user.principal, c)
            for c in service.contacts_for(db, user.principal)
        ]
    data = {"entries": rows, "contacts": contacts, **vocab()}
    return page(request, "matching/mine.html", data, title="我的供需")


@router.get("/new", summary="提交需求或供给")
def new_form(request: Request, kind: str = "demand") -> Response:
    user = need(request, *PARTIES)
    kind = "supply" if kind == "supply" else "demand"
    return _form(request, user, {"kind": kind})


def _form(
    request: Request,
    user: Any,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
    entry_id: int | None = None,
) -> Response:
    data = {
        "kind": form.get("kind", "demand"),
        "entry_id": entry_id,
        "units": list(user.principal.units),
        **vocab(),
    }
    title = f"提交{s.KIND_ZH[data['kind']]}"
    return page(
        request, "matching/form.html", data, title=title, errors=errors, form=form, status=status
    )


def _parse(form: dict[str, str], errors: dict[str, str]) -> s.EntryIn | None:
    budget = {
        name: amount_fen(form.get(name, ""), name, errors)
        for name in ("budget_min_fen", "budget_max_fen")
    }
    try:
        data = s.EntryIn(
            kind=form.get("kind", "demand"),
            category=form.get("category", ""),
            title=form.get("title", ""),
            description=form.get("description", ""),
            field=form.get("field", ""),
            district=form.get("district", ""),
            deadline=form.get("deadline") or None,
            contact_name=form.get("contact_name", ""),
            contact_phone=form.get("contact_phone", ""),
            owner_unit=form.get("owner_unit") or None,
            **budget,
        )
    except ValidationError as exc:
        from huiqi.platform.errors import _bound_message

        zh = {"title": "标题 2–200 字", "description": "内容说明至少 10 字"}
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "_form"
            errors.setdefault(name, zh.get(name) or _bound_message(dict(err)))
        return None
    return None if errors else data


@router.post("/new", summary="提交需求或供给")
async def create(request: Request) -> Response:
    user = need(request, *PARTIES)
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    data = _parse(form, errors)
    if data is not None:
        with open_db(request) as db:
            try:
                e = service.save(db, user.principal, data, submit=form.get("submit") != "draft")
            except ApiError as exc:
                db.rollback()
                errors = field_errors(exc)
            else:
                msg = "已保存草稿" if e.status == "draft" else "已提交，待供需对接工作人员审核发布"
                return redirect(request, f"/matching/entries/{e.id}?msg={msg}")
    return _form(request, user, form, errors, status=422)


@router.get("/entries/{entry_id}", summary="供需条目")
def detail(request: Request, entry_id: int) -> Response:
    user = current(request)
    p = user.principal if user else None
    with open_db(request) as db:
        try:
            e = service.get_visible(db, p, entry_id)
        except ApiError as exc:
            return html_error(request, exc.status, exc.errors[0]["message"])
        mine_ = p is not None and bool(lifecycle.acts_as(p, e))
        owner = p is not None and e.owner_key in lifecycle.parties(p)
        matches = [m.model_dump() for m in service.matches(db, p, e.id)] if mine_ and p else []
        data = {
            "entry": entry_row(e, mine_),
            "actions": [(t.action.value, t.label) for t in lifecycle.allowed(p, e)] if p else [],
            "matches": matches,
            "is_owner": owner,
            "may_contact": owner and e.status == "published",
            **vocab(),
        }
    return page(request, "matching/entry.html", data, title=e.title)


@router.post("/entries/{entry_id}/act", summary="发布、退回或关闭")
async def act(request: Request, entry_id: int) -> Response:
    user = need(request)
    form = form_dict(await request.form())
    try:
        action = Action(form.get("action", ""))
    except ValueError:
        return redirect(request, f"/matching/entries/{entry_id}?msg=请选择操作")
    with open_db(request) as db:
        try:
            e = service.act(db, user.principal, entry_id, action, form.get("reason", ""))
        except ApiError as exc:
            return redirect(request, f"/matching/entries/{entry_id}?msg={exc.errors[0]['message']}")
    msg = f"已{lifecycle.ACTION_ZH[action]}：当前状态“{lifecycle.status_zh(e.status)}”"
    return redirect(request, f"/matching/entries/{entry_id}?msg={msg}")


@router.get("/queue", summary="待审核发布")
def queue(request: Request) -> Response:
    user = need(request, "city_officer", "district_officer")
    with open_db(request) as db:
        try:
            rows = [entry_row(e, True) for e in service.queue(db, user.principal)]
        except ApiError as exc:
            return html_error(request, exc.status, exc.errors[0]["message"])
    return page(request, "matching/queue.html", {"entries": rows, **vocab()}, title="待审核发布")


@router.post("/contacts", summary="发起对接申请")
async def request_contact(request: Request) -> Response:
    user = need(request, *PARTIES)
    form = form_dict(await request.form())
    back = form.get("back", "/matching/mine")
    back = back if back.startswith("/matching/") else "/matching/mine"
    try:
        body = s.ContactIn(
            demand_id=int(form.get("demand_id") or 0),
            supply_id=int(form.get("supply_id") or 0),
            message=form.get("message", "")[:2000],
        )
    except (ValidationError, ValueError):
        return redirect(request, f"{back}?msg=请从匹配结果中选择要对接的条目")
    with open_db(request) as db:
        try:
            service.request_contact(db, user.principal, body)
        except ApiError as exc:
            return redirect(request, f"{back}?msg={exc.errors[0]['message']}")
    return redirect(request, "/matching/mine?msg=对接申请已发送，等待对方答复#contacts")


@router.post("/contacts/{contact_id}/answer", summary="答复对接申请")
async def answer(request: Request, contact_id: int) -> Response:
    user = need(request, *PARTIES)
    form = form_dict(await request.form())
    if form.get("answer") not in ("accept", "decline"):
        return redirect(request, "/matching/mine?msg=请选择同意或婉拒#contacts")
    with open_db(request) as db:
        try:
            c = service.answer_contact(
                db,
                user.principal,
                contact_id,
                form["answer"] == "accept",
                form.get("note", "")[:2000],
            )
        except ApiError as exc:
            return redirect(request, f"/matching/mine?msg={exc.errors[0]['message']}#contacts")
    msg = "已同意对接，双方可见彼此的联系方式" if c.status == "accepted" else "已婉拒"
    return redirect(request, f"/matching/mine?msg={msg}#contacts")
