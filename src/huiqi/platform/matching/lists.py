"""The annual lists the curating officers publish: 年度数字经济供需清单 (published demands and
supplies) and 年度数字经济新场景新产品新应用 (published supplies of those categories).

An officer ticks entries one by one (nothing is pre-ticked) into the year's draft list, then
publishes it; a published list is frozen and public, with an Excel export."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huiqi.cells import keep_text
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.db import utcnow
from huiqi.platform.errors import ApiError, not_found
from huiqi.platform.matching.curating import curates_citywide, require_citywide_curator
from huiqi.platform.matching.lifecycle import Status
from huiqi.platform.matching.models import MatchingEntry, MatchingList, MatchingListItem
from huiqi.platform.matching.schemas import CATEGORY_ZH, KIND_ZH, NEW_APPS, ListIn, list_title
from huiqi.rules.money import format_wan


def _curator(p: Principal) -> None:
    require_citywide_curator(p, "年度清单", "编制发布")


def save_list(db: Session, p: Principal, data: ListIn) -> MatchingList:
    """The year's draft list with exactly the ticked entries."""
    _curator(p)
    if not data.entry_ids:
        raise ApiError(422, "required", "请至少勾选一个已发布的条目", "entry_ids")
    lst = db.scalar(
        select(MatchingList)
        .where(MatchingList.year == data.year, MatchingList.kind == data.kind)
        .with_for_update()
    )
    if lst is not None and lst.status == "published":
        raise ApiError(409, "published", f"{data.year} 年的清单已发布，不能再修改", "year")
    entries = {
        e.id: e
        for e in db.scalars(select(MatchingEntry).where(MatchingEntry.id.in_(data.entry_ids)))
    }
    for i, eid in enumerate(data.entry_ids):
        e = entries.get(eid)
        if e is None or e.status != Status.PUBLISHED:
            raise ApiError(422, "not_published", f"条目 {eid} 不存在或未发布", f"entry_ids[{i}]")
        if data.kind == "new_apps" and e.category not in NEW_APPS:
            raise ApiError(
                422, "not_new_app", f"条目 {eid} 不是新场景、新产品或新应用", f"entry_ids[{i}]"
            )
    before = None
    if lst is None:
        lst = MatchingList(
            year=data.year,
            kind=data.kind,
            created_by=p.username,
            status="draft",
            title=list_title(data.year, data.kind),
        )
        db.add(lst)
        db.flush()
    else:
        before = item_ids(db, lst)
        db.execute(delete(MatchingListItem).where(MatchingListItem.list_id == lst.id))
    db.add_all(
        MatchingListItem(list_id=lst.id, entry_id=eid) for eid in dict.fromkeys(data.entry_ids)
    )
    db.flush()
    record(db, p, "matching.list.save", "matching_list", lst.id, before, item_ids(db, lst))
    db.commit()
    return lst


def item_ids(db: Session, lst: MatchingList) -> list[int]:
    q = select(MatchingListItem.entry_id).where(MatchingListItem.list_id == lst.id)
    return list(db.scalars(q.order_by(MatchingListItem.id)))


def publish_list(db: Session, p: Principal, list_id: int) -> MatchingList:
    _curator(p)
    lst = db.scalar(select(MatchingList).where(MatchingList.id == list_id).with_for_update())
    if lst is None:
        raise not_found("年度清单", "list_id")
    if lst.status == "published":
        raise ApiError(409, "published", "该清单已发布", "status")
    lst.status, lst.published_by, lst.published_at = "published", p.username, utcnow()
    db.flush()
    record(
        db,
        p,
        "matching.list.publish",
        "matching_list",
        lst.id,
        {"status": "draft"},
        {"status": "published", "entries": item_ids(db, lst)},
    )
    db.commit()
    return lst


def get_list(db: Session, p: Principal | None, list_id: int) -> MatchingList:
    lst = db.get(MatchingList, list_id)
    if lst is None or (lst.status != "published" and not (p is not None and curates_citywide(p))):
        raise not_found("年度清单", "list_id")
    return lst


def lists(db: Session, p: Principal | None) -> list[MatchingList]:
    rows = db.scalars(select(MatchingList).order_by(MatchingList.year.desc(), MatchingList.kind))
    return [x for x in rows if x.status == "published" or (p is not None and curates_citywide(p))]


def items(db: Session, lst: MatchingList) -> list[MatchingEntry]:
    q = (
        select(MatchingEntry)
        .join(MatchingListItem, MatchingListItem.entry_id == MatchingEntry.id)
        .where(MatchingListItem.list_id == lst.id)
        .order_by(MatchingEntry.kind, MatchingListItem.id)
    )
    return list(db.scalars(q))


def budget_text(lo: int | None, hi: int | None) -> str:
    """A budget range as officers say it (format_wan: 50万元, 12.5万元)."""
    if lo is not None and hi is not None:
        return f"{format_wan(lo)}–{format_wan(hi)}"
    if lo is not None:
        return f"不低于{format_wan(lo)}"
    return f"不超过{format_wan(hi)}" if hi is not None else ""


def rows(db: Session, lst: MatchingList) -> list[dict[str, Any]]:
    return [
        {
            "seq": i,
            "id": e.id,
            "kind": KIND_ZH[e.kind],
            "category": CATEGORY_ZH.get(e.category, e.category),
            "title": e.title,
            "owner_name": e.owner_name,
            "field": e.field,
            "district": e.district,
            "budget": budget_text(e.budget_min_fen, e.budget_max_fen),
            "deadline": e.deadline,
            "description": e.description,
        }
        for i, e in enumerate(items(db, lst), start=1)
    ]


HEADER = ["序号", "类型", "类别", "名称", "提交单位", "领域", "所在区", "预算", "截止日期", "内容"]


def export_xlsx(db: Session, lst: MatchingList) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "清单"
    ws.append([lst.title + ("" if lst.status == "published" else "（草稿，未发布）")])
    ws["A1"].font = Font(bold=True)
    ws.append(HEADER)
    for r in rows(db, lst):
        ws.append(
            [
                r["seq"],
                r["kind"],
                r["category"],
                r["title"],
                r["owner_name"],
                r["field"],
                r["district"],
                r["budget"],
                str(r["deadline"] or ""),
                r["description"],
            ]
        )
    for col, width in zip("ABCDEFGHIJ", (6, 8, 12, 36, 30, 12, 16, 18, 12, 60), strict=True):
        ws.column_dimensions[col].width = width
    keep_text(ws)  # titles and descriptions are the submitters' text: never a live formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
