"""Expert / third-party pages: the queue of assigned reviews and one assignment with the
opinion form (回避 declaration, opinion, score 0–100, recommended amount as people type it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huiqi.platform.errors import ApiError
from huiqi.platform.experts import service as experts
from huiqi.platform.experts.schemas import OpinionIn
from huiqi.platform.experts.views import view_of
from huiqi.web.common import form_dict, open_db
from huiqi.web.render import html_error, page, policy, redirect
from huiqi.web.session import field_errors, need

router = APIRouter(prefix="/expert")


@router.get("/queue", summary="专家评审任务")
def queue(request: Request) -> Response:
    user = need(request, "expert")
    pol = policy()
    with open_db(request) as db:
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


def _page(
    request: Request,
    app_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    user = need(request, "expert")
    with open_db(request) as db:
        try:
            view = view_of(db, user.principal, app_id)
        except ApiError as exc:
            return html_error(request, exc.status, exc.errors[0]["message"])
    data = view.model_dump(mode="json")
    data["evaluation_row"] = (view.evaluation or {}).get("row")
    data["can_submit"] = view.assignment.status == "assigned" and view.status == "expert_review"
    return page(
        request,
        "exp_review.html",
        data,
        title=f"专家评审：申报 {app_id}",
        errors=errors,
        form=form,
        status=status,
    )


@router.get("/applications/{app_id}", summary="评审材料与意见表")
def review_page(request: Request, app_id: int) -> Response:
    return _page(request, app_id)


def _score(text: str, errors: dict[str, str]) -> int:
    text = text.strip()
    if not text.isdigit() or not 0 <= int(text) <= 100:
        errors["score"] = "请填写 0–100 的整数评分"
        return 0
    return int(text)


@router.post("/applications/{app_id}", summary="提交评审意见或申请回避")
async def review_action(request: Request, app_id: int) -> Response:
    user = need(request, "expert")
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    with open_db(request) as db:
        try:
            if form.get("action") == "recuse":
                reason = form.get("recuse_reason", "").strip()[:2000]
                if not reason:
                    errors["recuse_reason"] = "请说明需要回避的理由"
                    raise ApiError(422, "required", errors["recuse_reason"], "recuse_reason")
                experts.recuse(db, user.principal, app_id, reason)
                msg = "已申请回避，市级审核员将另行安排"
            else:
                opinion = form.get("opinion", "")
                if opinion not in ("agree", "disagree", "amend"):
                    errors["opinion"] = "请选择评审结论"
                score = _score(form.get("score", ""), errors)
                if errors:
                    raise ApiError(422, "invalid", next(iter(errors.values())))
                body = OpinionIn(
                    conflict_declared=bool(form.get("conflict_declared")),
                    opinion=opinion,  # type: ignore[arg-type]
                    score=score,
                    recommended_amount=form.get("recommended_amount", "")[:40] or None,
                    comment=form.get("comment", "")[:5000],
                )
                experts.submit_opinion(db, user.principal, app_id, body)
                msg = "评审意见已提交"
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
            return _page(request, app_id, errors=errors, form=form, status=422)
    return redirect(request, f"/expert/applications/{app_id}?msg={msg}", status_code=303)
