"""Expert / third-party pages: the queue of assigned reviews and one assignment with the
opinion form (回避 declaration, opinion, score 0–100, recommended amount as people type it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.errors import ApiError
from huiqi.platform.experts import service as experts
from huiqi.platform.experts.schemas import OpinionForm, RecuseForm
from huiqi.platform.experts.views import view_of
from huiqi.rules.explain import explain_data
from huiqi.rules.money import format_yuan
from huiqi.web.common import form_dict
from huiqi.web.deps import ExpertUser, PageDb
from huiqi.web.forms import read_form
from huiqi.web.materials_pages import shown
from huiqi.web.render import SIZE_ZH, Redraw, field_errors, page, policy, redirect
from huiqi.web.session import WebUser

router = APIRouter(prefix="/expert")


@router.get("/queue", summary="专家评审任务")
def queue(request: Request, user: ExpertUser, db: PageDb) -> Response:
    pol = policy()
    rows = []
    for a, app in experts.mine(db, user.principal):
        m = pol.measures.get(app.measure_id)
        rows.append(
            {
                "application_id": app.id,
                "version": a.version,
                "measure_id": app.measure_id,
                "measure_title": m.title if m else app.measure_id,
                "fiscal_year": app.fiscal_year,
                "status": a.status,
                "assigned_at": a.assigned_at,
                "score": a.score,
                "opinion": a.opinion,
                "open": a.status == "assigned" and app.status == "expert_review",
            }
        )
    data = {
        "todo": [r for r in rows if r["open"]],
        "done": [r for r in rows if not r["open"]],
    }
    return page(request, "exp_queue.html", data, title="专家评审任务")


def _money(text: Any) -> str:
    from huiqi.web.render import yuan_to_fen

    try:
        fen = yuan_to_fen(text)
    except (ArithmeticError, ValueError):
        return str(text)
    return "—" if fen is None else format_yuan(fen)


def _value(key: str, value: Any, money: bool = False) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "—"
    if money or key in ("revenue", "rd_expense"):
        return _money(value)
    return str(value)


def material_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The frozen material an expert reads, as (项目, 内容) rows in Chinese: names, years and
    amounts in 元, never raw JSON."""
    pol = policy()
    titles = explain_data(pol)
    ent = facts.get("enterprise") or {}
    rows: list[tuple[str, str]] = [
        ("企业名称", str(ent.get("name", "—"))),
        ("所属区", str(ent.get("district", "—"))),
        ("行业", str(ent.get("industry") or "—")),
        ("企业规模", SIZE_ZH.get(str(ent.get("size")), str(ent.get("size") or "—"))),
        ("软件企业", _value("software_enterprise", ent.get("software_enterprise"))),
        ("申报年度", f"{facts.get('fiscal_year', '—')} 年度"),
        ("申报日（测算基准日）", str(facts.get("as_of") or "—")),
    ]
    for year, figs in sorted((facts.get("annual") or {}).items()):
        rows.append((f"{year} 年营业收入", _value("revenue", (figs or {}).get("revenue"))))
        rows.append((f"{year} 年研发投入", _value("rd_expense", (figs or {}).get("rd_expense"))))
    for rec in facts.get("recognitions") or []:
        kind = pol.recognition_kinds.get(rec.get("kind"))
        title = kind.title if kind is not None else str(rec.get("kind"))
        level = f" {rec['level']} 级" if rec.get("level") else ""
        rows.append((f"认定：{title}{level}", f"{rec.get('date', '—')} {rec.get('name', '')}"))
    for proj in facts.get("projects") or []:
        kind = pol.project_kinds.get(proj.get("kind"))
        head = f"项目：{proj.get('name', '')}"
        rows.append((head, kind.title if kind is not None else str(proj.get("kind"))))
        types = kind.fields if kind is not None else {}
        for key, value in proj.items():
            if key not in ("id", "kind", "name"):
                title = titles.title("projects", key) or key
                rows.append((f"　{title}", _value(key, value, types.get(key) == "money")))
    return rows


def _page(
    request: Request,
    user: WebUser,
    db: PageDb,
    app_id: int,
    redraw: Redraw | None = None,
) -> Response:
    view = view_of(db, user.principal, app_id)
    materials = shown(db, user.principal, app_id)
    data = view.model_dump(mode="json")
    data.update(materials)
    data["evaluation_row"] = (view.evaluation or {}).get("row")
    data["material"] = material_rows(view.facts)
    data["can_submit"] = view.assignment.status == "assigned" and view.status == "expert_review"
    return page(
        request,
        "exp_review.html",
        data,
        title=f"专家评审：申报 {app_id}",
        redraw=redraw,
    )


@router.get("/applications/{app_id}", summary="评审材料与意见表")
def review_page(request: Request, user: ExpertUser, db: PageDb, app_id: int) -> Response:
    return _page(request, user, db, app_id)


@router.post("/applications/{app_id}", summary="提交评审意见或申请回避")
async def review_action(request: Request, user: ExpertUser, db: PageDb, app_id: int) -> Response:
    form = form_dict(await request.form())
    recusing = form.get("action") == "recuse"
    if recusing:
        form["recuse_reason"] = form.get("recuse_reason", "").strip()
    body, errors = read_form(RecuseForm if recusing else OpinionForm, form)
    try:
        if isinstance(body, RecuseForm):
            experts.recuse(db, user.principal, app_id, body.recuse_reason)
            msg = "已申请回避，市级审核员将另行安排"
        elif isinstance(body, OpinionForm):
            experts.submit_opinion(db, user.principal, app_id, body.to_api())
            msg = "评审意见已提交"
        else:
            raise ApiError(422, "invalid", next(iter(errors.values())))
    except ApiError as exc:
        db.rollback()  # release SQLite's write lock before the page re-reads
        rename = {"recommended_amount_fen": "recommended_amount"}
        for k, v in field_errors(exc).items():
            if k != "_form" or not errors:
                errors.setdefault(rename.get(k, k), v)
        known = {"conflict_declared", "opinion", "score", "recommended_amount", "comment"}
        known.add("recuse_reason")
        if set(errors) - known - {"_form"}:
            errors["_form"] = "；".join(v for k, v in errors.items() if k not in known)
        return _page(request, user, db, app_id, redraw=Redraw(errors, form))
    if recusing:
        # a recusal ends the expert's access to the claim at once: back to the task list
        return redirect(request, f"/expert/queue?msg={msg}", status_code=303)
    return redirect(request, f"/expert/applications/{app_id}?msg={msg}", status_code=303)
