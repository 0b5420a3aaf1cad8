"""系统管理 pages (admin only): accounts, budgets, platform parameters, the holiday calendar and
audit-chain verification; the same services as the API, so the same rules and audit records.

Every page has its JSON twin (`?format=json`); form errors are shown beside the field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from huiqi.platform.audit.service import entries_page, verify
from huiqi.platform.auth import accounts
from huiqi.platform.auth.models import ROLES, User
from huiqi.platform.auth.schemas import UserIn, UserUpdate
from huiqi.platform.auth.service import check_password
from huiqi.platform.budgets import service as budgets
from huiqi.platform.clock import business_today
from huiqi.platform.credit.service import DEFAULTS, default_of, get_parameter, set_parameter
from huiqi.platform.enterprises import service as ents
from huiqi.platform.enterprises.schemas import YEAR_MAX, YEAR_MIN
from huiqi.platform.errors import ApiError, validation_errors
from huiqi.platform.public_notices import calendar
from huiqi.rules.errors import InputError
from huiqi.web.common import amount_fen, form_dict, people
from huiqi.web.deps import AdminUser, PageDb
from huiqi.web.forms import read_form
from huiqi.web.paging import limit_of, pager
from huiqi.web.render import ROLE_ZH, Redraw, field_errors, page, policy, redirect
from huiqi.web.session import WebUser

router = APIRouter(prefix="/admin")

PARAMETER_ZH = {
    "credit.block_enabled": "信用审查拦截（严重失信或近期行政处罚的企业不能申报、不能通过复核）",
    "credit.penalty_months": "行政处罚回溯月数",
    "credit.block_any_penalty": "普通行政处罚也拦截（关闭时只拦截重大行政处罚）",
    "review.expert_measures": "必须经专家/第三方评审的措施",
}


def errors_of(exc: ApiError | ValidationError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return {
            e["path"] or "_form": e["message"]
            for e in validation_errors(RequestValidationError(exc.errors()))
        }
    return field_errors(exc)


def messages(exc: ApiError | InputError) -> list[str]:
    if isinstance(exc, InputError):
        return [e.message for e in exc.errors]
    return [e["message"] for e in exc.errors]


# ---- accounts ------------------------------------------------------------------------------


def user_row(u: User, firm: str | None) -> dict[str, Any]:
    scope = ""
    if u.role == "enterprise" and u.enterprise_id:
        scope = firm or f"企业 {u.enterprise_id}"
    elif u.role == "district_officer":
        scope = u.district or ""
    elif u.role == "city_officer":
        scope = "、".join(u.units or [])
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role,
        "scope": scope,
        "active": u.active,
    }


def users_page(
    request: Request,
    me: WebUser,
    db: PageDb,
    *,
    redraw: Redraw | None = None,
) -> Response:
    users = [user_row(u, firm) for u, firm in accounts.listing(db)]
    data = {
        "users": users,
        "me": me.principal.user_id,
        "roles": [(r, ROLE_ZH.get(r, r)) for r in ROLES],
        "units": sorted(accounts.units_of_policy()),
    }
    title = "账号管理"
    return page(request, "adm_users.html", data, title=title, redraw=redraw)


@router.get("/users", summary="账号管理")
def users(request: Request, me: AdminUser, db: PageDb) -> Response:
    return users_page(request, me, db)


def password_policy_error(form: dict[str, str], errors: dict[str, str]) -> None:
    """Add the password policy's verdict when another field stopped the form before it."""
    if "password" in errors:
        return
    try:
        check_password(form.get("password", ""), form.get("username", "").strip())
    except ApiError as exc:
        errors.update(field_errors(exc))


@router.post("/users", summary="新建账号")
async def create_user(request: Request, me: AdminUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    enterprise_id = None
    code = form.get("credit_code", "").strip()
    if code:
        enterprise_id = ents.id_of_credit_code(db, code)
        if enterprise_id is None:
            errors["credit_code"] = "没有这个统一社会信用代码的企业"
    if form.get("role") == "enterprise" and not code:
        errors["credit_code"] = "企业账号须填写所属企业的统一社会信用代码"
    if not errors:
        try:
            body = UserIn(
                username=form.get("username", "").strip(),
                password=form.get("password", ""),
                role=form.get("role", ""),  # validated by UserIn
                display_name=form.get("display_name", "").strip(),
                enterprise_id=enterprise_id,
                district=form.get("district", "").strip() or None,
                units=[
                    u.strip()
                    for u in form.get("units", "").replace("、", ",").split(",")
                    if u.strip()
                ],
            )
            created = accounts.create_account(db, me.principal, body)
        except (ApiError, ValidationError) as exc:
            db.rollback()
            errors = errors_of(exc)
            if isinstance(exc, ValidationError):
                # the form never reached the password policy: show its verdict too
                password_policy_error(form, errors)
        else:
            return redirect(request, f"/admin/users?msg=已新建账号 {created.username}")
    form.pop("password", None)
    return users_page(request, me, db, redraw=Redraw(errors, form))


@router.post("/users/{user_id}", summary="停用、启用账号或重置密码")
async def update_user(request: Request, me: AdminUser, db: PageDb, user_id: int) -> Response:
    form = form_dict(await request.form())
    action = form.get("action", "")
    by_action: dict[str, dict[str, Any]] = {
        "disable": {"active": False},
        "enable": {"active": True},
        "password": {"password": form.get("password", "")},
    }
    changes = by_action.get(action, {})
    if not changes:
        return redirect(request, "/admin/users?msg=未知操作")
    try:
        user = accounts.update_account(db, me.principal, user_id, UserUpdate(**changes))
    except (ApiError, ValidationError) as exc:
        db.rollback()
        message = next(iter(errors_of(exc).values()))
        return redirect(request, f"/admin/users?msg=未能修改：{message}")
    done = {"disable": "已停用", "enable": "已启用", "password": "已重置密码："}[action]
    return redirect(request, f"/admin/users?msg={done} {user.username}")


# ---- budgets -------------------------------------------------------------------------------


def budgets_page(
    request: Request,
    db: PageDb,
    *,
    redraw: Redraw | None = None,
) -> Response:
    pools = [budgets.pool_out(p).model_dump() for p in budgets.all_pools(db)]
    measures = [(m.id, f"{m.id} {m.title}") for m in policy().measures.values()]
    data = {"pools": pools, "measures": measures, "default_year": business_today().year}
    return page(request, "adm_budgets.html", data, title="预算管理", redraw=redraw)


@router.get("/budgets", summary="预算管理")
def budget_list(request: Request, me: AdminUser, db: PageDb) -> Response:
    return budgets_page(request, db)


@router.post("/budgets", summary="设立或调整预算池")
async def budget_set(request: Request, me: AdminUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    errors: dict[str, str] = {}
    total = amount_fen(form.get("total", ""), "total", errors, required=True)
    if not errors:
        body, errors = read_form(budgets.PoolIn, {**form, "total_fen": total})
        errors = {("total" if k == "total_fen" else k): v for k, v in errors.items()}
        try:
            if body is not None:
                pool = budgets.upsert_pool(db, me.principal, body)
                msg = f"已设置 {pool.measure_id} {pool.fiscal_year} 年度预算"
                return redirect(request, f"/admin/budgets?msg={msg}")
        except ApiError as exc:
            db.rollback()
            errors = {("total" if k == "total_fen" else k): v for k, v in errors_of(exc).items()}
    return budgets_page(request, db, redraw=Redraw(errors, form))


# ---- parameters ----------------------------------------------------------------------------


def parameters_page(request: Request, db: PageDb, *, redraw: Redraw | None = None) -> Response:
    values = {k: get_parameter(db, k) for k in DEFAULTS}
    data = {
        "parameters": [
            {"key": k, "label": PARAMETER_ZH.get(k, k), "value": v, "default": default_of(k)}
            for k, v in values.items()
        ]
    }
    return page(request, "adm_parameters.html", data, title="平台参数", redraw=redraw)


@router.get("/parameters", summary="平台参数")
def parameters(request: Request, me: AdminUser, db: PageDb) -> Response:
    return parameters_page(request, db)


def parameter_value(key: str, text: str) -> Any:
    """A form's text as the parameter's type (the type of its default)."""
    default = default_of(key)
    if isinstance(default, bool):
        return text == "1"
    if isinstance(default, int):
        if not text.strip().isdigit():
            raise ApiError(422, "integer", "应为非负整数", key)
        return int(text.strip())
    return [v.strip() for v in text.replace("，", ",").replace("、", ",").split(",") if v.strip()]


@router.post("/parameters/{key}", summary="修改平台参数")
async def parameter_set(request: Request, me: AdminUser, db: PageDb, key: str) -> Response:
    if key not in DEFAULTS:
        return redirect(request, "/admin/parameters?msg=未知参数")
    form = form_dict(await request.form())
    try:
        set_parameter(db, me.principal, key, parameter_value(key, form.get("value", "")))
    except ApiError as exc:
        db.rollback()
        errors = {key: exc.errors[0]["message"]}
        return parameters_page(request, db, redraw=Redraw(errors))
    return redirect(request, f"/admin/parameters?msg=已修改：{PARAMETER_ZH.get(key, key)}")


# ---- holiday calendar ----------------------------------------------------------------------


def calendar_page(
    request: Request,
    db: PageDb,
    year: int,
    *,
    redraw: Redraw | None = None,
) -> Response:
    view = calendar.year_view(db, year).model_dump()
    text = "\n".join(
        f"{d['date']},{'法定节假日' if d['kind'] == 'holiday' else '调休上班'},{d['name']}"
        for d in view["days"]
    )
    data = {"calendar": view, "year": year, "text": text}
    title = f"{year} 年节假日安排"
    return page(request, "adm_calendar.html", data, title=title, redraw=redraw)


def _year(text: str | None) -> int:
    year = int(text) if text and text.isdigit() else business_today().year + 1
    return min(max(year, YEAR_MIN), YEAR_MAX)


@router.get("/calendar", summary="节假日安排")
def calendar_view(request: Request, me: AdminUser, db: PageDb, year: str | None = None) -> Response:
    return calendar_page(request, db, _year(year))


@router.post("/calendar", summary="录入某年的节假日与调休安排（整年替换）")
async def calendar_record(request: Request, me: AdminUser, db: PageDb) -> Response:
    form = form_dict(await request.form())
    year = _year(form.get("year"))
    try:
        days = calendar.parse_csv(form.get("days", "").encode("utf-8"))
        calendar.record_year(db, me.principal, year, days)
    except (ApiError, InputError) as exc:
        db.rollback()
        message = "；".join(str(m) for m in messages(exc))
        return calendar_page(request, db, year, redraw=Redraw({"days": message}, form))
    return redirect(request, f"/admin/calendar?year={year}&msg=已录入 {year} 年安排")


# ---- audit ---------------------------------------------------------------------------------


@router.get("/audit", summary="审计日志与哈希链校验")
def audit(
    request: Request,
    me: AdminUser,
    db: PageDb,
    check: str = "",
    entity: str = "",
    cursor: str = "",
    limit: str = "",
) -> Response:
    found = entries_page(db, entity, cursor=cursor or None, limit=limit_of(limit))
    entries: list[dict[str, Any]] = [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor,
            "actor_role": e.actor_role,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "hash": e.hash,
        }
        for e in found.items
    ]
    who = people(db, {e["actor"] for e in entries})  # unit and role beside the account
    for e in entries:
        e["actor_label"] = who[e["actor"]]
    result = verify(db).__dict__ if check else None
    data = {
        "entries": entries,
        "verification": result,
        "entity": entity,
        "pages": pager(request, found),
        "next_cursor": found.next_cursor,
    }
    return page(request, "adm_audit.html", data, title="审计日志")
