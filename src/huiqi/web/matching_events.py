"""供需对接 pages for the annual lists (curated entry by entry, nothing pre-ticked; public once
published, with the Excel export of the platform's API) and the 供需对接大会 (events,
registration by firms, arranged meetings)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.errors import ApiError
from huiqi.platform.matching import events, lists, service
from huiqi.platform.matching import schemas as s
from huiqi.platform.matching.curating import curates_citywide, curators_only
from huiqi.web.common import beijing_today, form_dict
from huiqi.web.deps import CityOfficerUser, EnterpriseUser, MaybeUser, PageDb
from huiqi.web.forms import read_form
from huiqi.web.render import Redraw, html_error, page, redirect
from huiqi.web.session import WebUser

router = APIRouter()


def _organiser(user: WebUser | None) -> bool:
    return user is not None and curates_citywide(user.principal)


def _list_row(lst: Any) -> dict[str, Any]:
    d = s.ListOut.model_validate(lst).model_dump()
    d["kind_zh"] = s.LIST_KIND_ZH[lst.kind]
    d["export_url"] = f"/api/v1/matching/lists/{lst.id}/export.xlsx"
    return d


@router.get("/lists", summary="年度清单")
def all_lists(request: Request, user: MaybeUser, db: PageDb) -> Response:
    rows = [_list_row(x) for x in lists.lists(db, user.principal if user else None)]
    data = {
        "lists": rows,
        "may_curate": _organiser(user),
        "year": beijing_today().year,
        "kinds": list(s.LIST_KIND_ZH.items()),
    }
    return page(request, "matching/lists.html", data, title="年度供需清单")


@router.get("/lists/curate", summary="编制年度清单")
def curate(
    request: Request, user: CityOfficerUser, db: PageDb, year: int = 0, kind: str = "supply_demand"
) -> Response:
    return _curate(request, user, db, year, kind)


def _curate(
    request: Request,
    user: WebUser,
    db: PageDb,
    year: int,
    kind: str,
    redraw: Redraw | None = None,
    chosen: list[int] | None = None,
) -> Response:
    if not _organiser(user):
        return html_error(request, 403, curators_only("年度清单", "编制"))
    year = year if 2022 <= year <= 2100 else beijing_today().year
    kind = kind if kind in s.LIST_KIND_ZH else "supply_demand"
    candidates = [
        {**s.EntryOut.model_validate(e).model_dump(), "category_zh": s.CATEGORY_ZH[e.category]}
        for e, _ in service.published(db, "supply" if kind == "new_apps" else None)
        if kind != "new_apps" or e.category in s.NEW_APPS
    ]
    data = {
        "year": year,
        "kind": kind,
        "list_title": s.list_title(year, kind),
        "candidates": candidates,
        "chosen": [str(x) for x in (chosen or [])],
        "kind_names": s.KIND_ZH,
    }
    return page(request, "matching/curate.html", data, title="编制年度清单", redraw=redraw)


@router.post("/lists/curate", summary="保存年度清单")
async def save(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    raw = await request.form()
    form = form_dict(raw)
    ids = [int(x) for x in raw.getlist("entry_ids") if isinstance(x, str) and x.isdigit()]
    year = int(form["year"]) if form.get("year", "").isdigit() else 0
    kind = form.get("kind", "")
    body, _errors = read_form(s.ListIn, {"year": year, "kind": kind, "entry_ids": ids})
    if body is None:
        return _curate(
            request, user, db, year, kind, Redraw({"_form": "清单年度或类型不正确"}), ids
        )
    try:
        lst = lists.save_list(db, user.principal, body)
    except ApiError as exc:
        db.rollback()
        redraw = Redraw({"_form": exc.errors[0]["message"]}, status=exc.status)
        return _curate(request, user, db, year, kind, redraw, ids)
    return redirect(request, f"/matching/lists/{lst.id}?msg=清单已保存（草稿），核对后发布")


@router.get("/lists/{list_id}", summary="年度清单内容")
def one_list(request: Request, user: MaybeUser, db: PageDb, list_id: int) -> Response:
    lst = lists.get_list(db, user.principal if user else None, list_id)
    data = {
        "list": _list_row(lst),
        "items": lists.rows(db, lst),
        "may_publish": _organiser(user) and lst.status == "draft",
    }
    return page(request, "matching/list.html", data, title=lst.title)


@router.post("/lists/{list_id}/publish", summary="发布年度清单")
def publish(request: Request, user: CityOfficerUser, db: PageDb, list_id: int) -> Response:
    try:
        lists.publish_list(db, user.principal, list_id)
    except ApiError as exc:
        db.rollback()
        return redirect(request, f"/matching/lists/{list_id}?msg={exc.errors[0]['message']}")
    return redirect(request, f"/matching/lists/{list_id}?msg=清单已发布，公众可查看和下载")


@router.get("/events", summary="供需对接大会")
def all_events(request: Request, user: MaybeUser, db: PageDb) -> Response:
    rows = [s.EventOut.model_validate(e).model_dump() for e in events.events(db)]
    data = {"events": rows, "may_organise": _organiser(user)}
    return page(request, "matching/events.html", data, title="供需对接大会")


@router.post("/events", summary="创建供需对接大会")
async def create_event(request: Request, user: CityOfficerUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    body, _errors = read_form(s.EventIn, form)
    if body is None:
        return redirect(request, "/matching/events?msg=请填写大会名称、日期（YYYY-MM-DD）和地点")
    try:
        ev = events.create_event(db, user.principal, body)
    except ApiError as exc:
        db.rollback()
        return redirect(request, f"/matching/events?msg={exc.errors[0]['message']}")
    return redirect(request, f"/matching/events/{ev.id}?msg=大会已创建，企业可以报名")


@router.get("/events/{event_id}", summary="大会详情")
def event(request: Request, user: MaybeUser, db: PageDb, event_id: int) -> Response:
    p = user.principal if user else None
    ev = events.get_event(db, event_id)
    regs = [
        s.RegistrationOut.model_validate(r).model_dump()
        for r in events.registrations(db, p, event_id)
    ]
    organiser = _organiser(user)
    published = service.published(db) if organiser else []
    data = {
        "event": s.EventOut.model_validate(ev).model_dump(),
        "registrations": regs,
        "meetings": events.meetings(db, p, event_id),
        "may_register": user is not None and user.role == "enterprise" and not regs,
        "may_arrange": organiser,
        "demands": [
            {"id": e.id, "title": e.title, "owner": e.owner_name}
            for e, _ in published
            if e.kind == "demand"
        ],
        "supplies": [
            {"id": e.id, "title": e.title, "owner": e.owner_name}
            for e, _ in published
            if e.kind == "supply"
        ],
    }
    return page(request, "matching/event.html", data, title=ev.title)


@router.post("/events/{event_id}/register", summary="报名参会")
async def register(request: Request, user: EnterpriseUser, db: PageDb, event_id: int) -> Response:
    form = form_dict(await request.form())
    n = form.get("attendees", "1")
    attendees = int(n) if n.isdigit() and 1 <= int(n) <= 20 else 0
    if not attendees:
        return redirect(request, f"/matching/events/{event_id}?msg=参会人数应为 1–20 人")
    try:
        events.register(db, user.principal, event_id, attendees)
    except ApiError as exc:
        db.rollback()
        return redirect(request, f"/matching/events/{event_id}?msg={exc.errors[0]['message']}")
    return redirect(request, f"/matching/events/{event_id}?msg=报名成功")


@router.post("/events/{event_id}/meetings", summary="安排洽谈")
async def arrange(request: Request, user: CityOfficerUser, db: PageDb, event_id: int) -> Response:
    form = form_dict(await request.form())
    body, _errors = read_form(s.MeetingIn, {**form, "table_no": form.get("table_no", "")[:32]})
    if body is None:
        msg = "请选择需求和供给，时段开始时间如 09:30"
        return redirect(request, f"/matching/events/{event_id}?msg={msg}")
    try:
        events.arrange(db, user.principal, event_id, body)
    except ApiError as exc:
        db.rollback()
        return redirect(request, f"/matching/events/{event_id}?msg={exc.errors[0]['message']}")
    return redirect(request, f"/matching/events/{event_id}?msg=洽谈已安排")
