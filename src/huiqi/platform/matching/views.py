"""API of the 供需对接平台 under /api/v1/matching (published entries, lists and events are
public; everything else needs a login and is limited to what the person may see)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from huiqi.platform.auth.service import Principal, resolve_token
from huiqi.platform.deps import Anyone, Db, _bearer, _cookie
from huiqi.platform.errors import ERROR_RESPONSES, ApiError
from huiqi.platform.matching import events, lists, service
from huiqi.platform.matching import schemas as s
from huiqi.platform.matching.lifecycle import LIFECYCLE, Action, acts_as
from huiqi.platform.matching.models import MatchingEntry
from huiqi.platform.policy import canonical_place, place_problem

router = APIRouter(prefix="/matching", tags=["供需对接"], responses=ERROR_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Submit = Annotated[bool, Query(description="true 提交审核；false 保存草稿")]


def maybe_principal(
    request: Request,
    db: Db,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal | None:
    """The logged-in person, or None for the public (an expired session reads as public)."""
    token = bearer.credentials if bearer is not None else cookie
    if not token:
        return None
    try:
        principal = Principal.of(
            resolve_token(db, token, request.app.state.settings.session_idle_seconds)
        )
    except ApiError:
        return None
    finally:
        db.commit()
    return principal


Maybe = Annotated[Principal | None, Depends(maybe_principal)]


def _entry(p: Principal | None, e: MatchingEntry) -> dict[str, Any]:
    """The private fields only for whoever may act on the entry."""
    private = p is not None and bool(acts_as(p, e))
    model = s.EntryPrivate if private else s.EntryOut
    out = model.model_validate(e).model_dump(mode="json")
    if p is not None:
        out["actions"] = [t.action.value for t in LIFECYCLE.allowed_for(p, e)]
    return out


@router.get("/fields", summary="领域、类别与所在区的可选值")
def vocab() -> dict[str, Any]:
    return {
        "fields": list(s.FIELDS),
        "demand_categories": s.DEMAND_CATEGORIES,
        "supply_categories": s.SUPPLY_CATEGORIES,
        "districts": s.district_names(),
    }


@router.post("/entries", status_code=201, summary="提交需求或供给（或保存草稿）")
def create(db: Db, p: Anyone, body: s.EntryIn, submit: Submit = True) -> dict[str, Any]:
    return _entry(p, service.save(db, p, body, submit=submit))


@router.put("/entries/{entry_id}", summary="修改草稿或退回的条目（submit=true 重新提交）")
def change(
    db: Db, p: Anyone, entry_id: Id, body: s.EntryIn, submit: Submit = True
) -> dict[str, Any]:
    return _entry(p, service.save(db, p, body, submit=submit, entry_id=entry_id))


@router.get("/entries", summary="已发布的需求与供给（免登录；q 为中文全文检索）")
def public_entries(
    db: Db,
    q: Annotated[str, Query(max_length=200, description="关键词，如“工业互联网 设备运维”")] = "",
    kind: Literal["demand", "supply"] | None = None,
    field: Annotated[str | None, Query(max_length=32)] = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=2022, le=2100)] = None,
) -> list[dict[str, Any]]:
    if field is not None and field not in s.FIELDS:
        raise ApiError(422, "enum", "领域应为以下之一：" + "、".join(s.FIELDS), "field")
    if district is not None:
        name = canonical_place(district)
        if name is None:
            raise ApiError(422, "enum", place_problem(), "district")
        district = name
    found = service.published(db, kind, q=q, field=field, district=district, year=year)
    return [_entry(None, e) | {"score": sc} for e, sc in found]


@router.get("/entries/mine", summary="本方提交的需求与供给（含草稿）")
def my_entries(db: Db, p: Anyone) -> list[dict[str, Any]]:
    return [_entry(p, e) for e in service.mine(db, p)]


@router.get("/entries/queue", summary="待审核发布的条目（供需对接责任单位）")
def queue(db: Db, p: Anyone) -> list[dict[str, Any]]:
    return [_entry(p, e) for e in service.queue(db, p)]


@router.get("/entries/{entry_id}", summary="条目详情（未发布的仅提交方与审核人员可见）")
def entry(db: Db, p: Maybe, entry_id: Id) -> dict[str, Any]:
    return _entry(p, service.get_visible(db, p, entry_id))


def _act(action: Action, summary: str) -> None:
    def endpoint(db: Db, p: Anyone, entry_id: Id, body: s.ReasonIn) -> dict[str, Any]:
        return _entry(p, service.act(db, p, entry_id, action, body.reason))

    router.add_api_route(
        f"/entries/{{entry_id}}/{action.value}",
        endpoint,
        methods=["POST"],
        summary=summary,
        name=f"matching_{action.value}",
    )


_act(Action.PUBLISH, "审核发布（只有供需对接责任单位工作人员）")
_act(Action.RETURN, "退回修改（须写明理由）")
_act(Action.CLOSE, "关闭条目")


@router.get(
    "/entries/{entry_id}/matches",
    response_model=list[s.MatchOut],
    summary="匹配推荐：需求的候选供给（或供给的候选需求），按相关度排序",
)
def matches(
    db: Db, p: Anyone, entry_id: Id, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[s.MatchOut]:
    return service.matches(db, p, entry_id, limit)


@router.post("/contacts", status_code=201, summary="发起对接申请")
def request_contact(db: Db, p: Anyone, body: s.ContactIn) -> dict[str, Any]:
    return service.contact_view(db, p, service.request_contact(db, p, body))


@router.get("/contacts", summary="我的对接申请（仅双方与供需对接工作人员可见）")
def contacts(db: Db, p: Anyone) -> list[dict[str, Any]]:
    return [service.contact_view(db, p, c) for c in service.contacts_for(db, p)]


@router.get("/contacts/{contact_id}", summary="对接申请详情")
def contact(db: Db, p: Anyone, contact_id: Id) -> dict[str, Any]:
    return service.contact_view(db, p, service.get_contact(db, p, contact_id))


@router.post("/contacts/{contact_id}/answer", summary="答复对接申请（同意或婉拒）")
def answer(db: Db, p: Anyone, contact_id: Id, body: s.ContactAnswerIn) -> dict[str, Any]:
    c = service.answer_contact(db, p, contact_id, body.accept, body.note)
    return service.contact_view(db, p, c)


@router.get("/lists", response_model=list[s.ListOut], summary="年度清单（免登录见已发布的）")
def all_lists(db: Db, p: Maybe) -> list[Any]:
    return lists.lists(db, p)


@router.post("/lists", response_model=s.ListOut, summary="编制年度清单（逐条勾选已发布条目）")
def save_list(db: Db, p: Anyone, body: s.ListIn) -> Any:
    return lists.save_list(db, p, body)


@router.get("/lists/{list_id}", summary="年度清单内容")
def one_list(db: Db, p: Maybe, list_id: Id) -> dict[str, Any]:
    lst = lists.get_list(db, p, list_id)
    return {**s.ListOut.model_validate(lst).model_dump(mode="json"), "items": lists.rows(db, lst)}


@router.post("/lists/{list_id}/publish", response_model=s.ListOut, summary="发布年度清单")
def publish_list(db: Db, p: Anyone, list_id: Id) -> Any:
    return lists.publish_list(db, p, list_id)


@router.get(
    "/lists/{list_id}/export.xlsx",
    summary="导出年度清单（Excel）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 文件"}},
)
def export(db: Db, p: Maybe, list_id: Id) -> Response:
    lst = lists.get_list(db, p, list_id)
    return Response(
        lists.export_xlsx(db, lst),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="matching-list-{lst.year}-'
            f'{lst.kind}.xlsx"'
        },
    )


@router.get("/events", response_model=list[s.EventOut], summary="供需对接大会（免登录）")
def all_events(db: Db) -> list[Any]:
    return events.events(db)


@router.post("/events", response_model=s.EventOut, status_code=201, summary="创建供需对接大会")
def create_event(db: Db, p: Anyone, body: s.EventIn) -> Any:
    return events.create_event(db, p, body)


@router.get("/events/{event_id}", summary="大会详情：报名与洽谈安排（按权限）")
def event(db: Db, p: Maybe, event_id: Id) -> dict[str, Any]:
    ev = events.get_event(db, event_id)
    regs = events.registrations(db, p, event_id)
    return {
        **s.EventOut.model_validate(ev).model_dump(mode="json"),
        "registrations": [
            s.RegistrationOut.model_validate(r).model_dump(mode="json") for r in regs
        ],
        "meetings": events.meetings(db, p, event_id),
    }


@router.post(
    "/events/{event_id}/registrations",
    response_model=s.RegistrationOut,
    status_code=201,
    summary="企业报名参会",
)
def register(db: Db, p: Anyone, event_id: Id, body: s.RegistrationIn) -> Any:
    return events.register(db, p, event_id, body.attendees)


@router.post(
    "/events/{event_id}/meetings",
    response_model=s.MeetingOut,
    status_code=201,
    summary="安排洽谈（需求 × 供给 × 时段；同一方同一时段只能一场）",
)
def arrange(db: Db, p: Anyone, event_id: Id, body: s.MeetingIn) -> Any:
    return events.arrange(db, p, event_id, body)
