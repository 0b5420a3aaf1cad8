"""Templates, money/status filters and the page() helper that serves HTML or its JSON twin.

Every page that takes a form is one builder, `_x(request, ..., redraw=None)`, serving both the
GET and a refused POST: the POST handler hands the builder a `Redraw` (the refusals by field,
the form as filled in, the status), and page() draws it. No handler renders a refusal itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from huiqi.platform.applications.lifecycle import STATUS_ZH as PLATFORM_STATUS_ZH
from huiqi.platform.clock import demo_today
from huiqi.platform.errors import ApiError
from huiqi.platform.policy import place_region
from huiqi.rules.explain import (
    BASIS_ZH,
    CERTAIN,
    REVIEW_NOTE,
    UP_TO,
    amount_basis,
    cn_date,
    explain_data,
)
from huiqi.web import formatting
from huiqi.web.formatting import yuan_to_fen

if TYPE_CHECKING:
    from huiqi.rules.policy import Policy

__all__ = ["yuan_to_fen"]  # calculator.py reads engine amounts through render

HERE = Path(__file__).parent


def root(request: Request) -> str:
    """The path the application is served under ("" at the site root, "/huiqi" behind a proxy
    that forwards /huiqi/ with `huiqi serve --root-path /huiqi`).

    Every link a page writes is `{{ root }}/path`, and every redirect goes through redirect():
    paths stored or passed around (next=, back=, JSON twins) stay relative to the application,
    and the root is added only where a URL leaves for the browser. `app_root_path` is the
    application's own root even inside a mounted sub-application.
    """
    scope = request.scope
    return str(scope.get("app_root_path", scope.get("root_path", ""))).rstrip("/")


def app_path(request: Request) -> str:
    """The request's path relative to the application root (what next= carries)."""
    path = request.url.path
    prefix = root(request)
    return path[len(prefix) :] if prefix and path.startswith(prefix + "/") else path


def redirect(request: Request, path: str, status_code: int = 303) -> RedirectResponse:
    """A redirect to an application path (starting with "/"), under the application root."""
    return RedirectResponse(root(request) + path, status_code=status_code)


templates = Jinja2Templates(
    directory=str(HERE / "templates"), context_processors=[lambda r: {"root": root(r)}]
)

STATUS_ZH = PLATFORM_STATUS_ZH  # one wording of each status, shared with the API
ENGINE_ZH = {
    "eligible": "符合",
    "ineligible": "不符合",
    "discretionary": "符合条件，金额以主管部门审核为准",
    "excluded": "因就高不重复原则不予叠加",
    "not_applicable": "不适用",
}
ROLE_ZH = {
    "enterprise": "企业用户",
    "district_officer": "区级审核员",
    "city_officer": "市级审核员",
    "expert": "专家/第三方机构",
    "analyst": "数据分析员",
    "supervisor": "督办员",
    "admin": "管理员",
    "provider": "资源池平台商/服务商",
}
TASK_STATUS_ZH = {
    "not_started": "未开始",
    "in_progress": "推进中",
    "done": "已完成",
    "blocked": "受阻",
}
STAGE_ZH = {
    "district": "区级初审",
    "city": "市级复核",
    "expert": "专家/第三方评审",
    "decision": "决定",
    "objection": "公示异议",
    "return": "退回补正",
    "withdraw": "企业撤回",
    "amend": "补正后重新提交",
    "reapply": "撤回后重新申报",
    "duplicate": "重复支持核查",
}
OUTCOME_ZH = {
    "pass": "通过",
    "reject": "不通过",
    "approve": "支持",
    "reopen": "退回复核",
    "return": "请企业补正",
    "withdraw": "已撤回",
    "resubmit": "新版本快照",
    "filed": "收到异议，核查中",
    "upheld": "异议成立，退回市级复核",
    "dismissed": "异议不成立，公示照常",
    "explained": "记录核查理由",
    "confirmed": "第二名审核员确认",
}
OPINION_ZH = {"agree": "同意", "disagree": "不同意", "amend": "修改金额建议"}
ASSIGNMENT_ZH = {
    "assigned": "待评审",
    "submitted": "已提交意见",
    "recused": "已回避",
    "cancelled": "已取消",
}
SIZE_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


env = templates.env
# every page says when it runs on the demo clock (HUIQI_TODAY), so nothing pretends to be live
env.globals["demo_today"] = demo_today
env.filters.update(
    yuan=formatting.yuan,
    wan=formatting.wan,
    yuan_str=formatting.yuan_text,
    date=formatting.when,
    status_zh=lambda s: STATUS_ZH.get(s, s),
    engine_zh=lambda s: ENGINE_ZH.get(s, s),
    role_zh=lambda s: ROLE_ZH.get(s, s),
    task_status_zh=lambda s: TASK_STATUS_ZH.get(s, s),
    stage_zh=lambda s: STAGE_ZH.get(s, s),
    outcome_zh=lambda s: OUTCOME_ZH.get(s, s),
    opinion_zh=lambda s: OPINION_ZH.get(s or "", s or "—"),
    assignment_zh=lambda s: ASSIGNMENT_ZH.get(s, s),
    size_zh=lambda s: SIZE_ZH.get(s, s),
    zip_self=lambda xs: [(x, x) for x in xs],
    zip=lambda a, b: list(zip(a, b, strict=False)),
    cn_date=lambda d: "—" if d is None else cn_date(dt.date.fromisoformat(str(d)[:10])),
)


def _amount_note(measure_id: str) -> dict[str, Any]:
    return amount_note(policy(), measure_id)


env.globals["amount_note"] = _amount_note


def _runs_pool(user: Any) -> bool:
    """The menu's 资源池与服务券 desk: for the unit the policy makes responsible for the pool."""
    from huiqi.platform.vouchers.service import is_city

    return user is not None and is_city(user.principal)


def _runs_board(user: Any) -> bool:
    """The menu's 揭榜挂帅管理: for the unit that publishes the board."""
    from huiqi.platform.challenges.access import is_board_officer

    return user is not None and is_board_officer(user.principal)


def amount_note(pol: Policy, measure_id: str) -> dict[str, Any]:
    """How certain a measure's amount is, and why, from the policy package's explain data."""
    data = explain_data(pol)
    spec = pol.measures[measure_id]
    basis = amount_basis(spec, data)
    reason = data.discretionary.get(measure_id)
    words = data.amounts[measure_id][1] if basis == UP_TO else (reason[1] if reason else None)
    return {
        "basis": basis,
        "basis_zh": BASIS_ZH[basis],
        "reason": reason[0] if reason else None,
        "words": words,
        "note": REVIEW_NOTE if basis != CERTAIN else None,
    }


@lru_cache(maxsize=1)
def policy() -> Policy:
    """The policy the pages describe (the platform's, from its cache)."""
    from huiqi.platform.policy import get_policy

    return get_policy()


# the layout names the configured policy and asks the platform who runs which desk, so no
# policy's words or units are written into the templates
env.globals.update(
    site_policy=policy, place_region=place_region, runs_pool=_runs_pool, runs_board=_runs_board
)


def wants_json(request: Request) -> bool:
    """The page's JSON twin: ?format=json, or a client that asks for JSON and not for HTML."""
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def field_errors(exc: ApiError | Any) -> dict[str, str]:
    """ApiError / InputError -> {field path: Chinese message} for display beside the fields."""
    out: dict[str, str] = {}
    for e in getattr(exc, "errors", []):
        path = e["path"] if isinstance(e, dict) else e.path
        msg = e["message"] if isinstance(e, dict) else e.message
        out.setdefault(path or "_form", msg)
    return out


@dataclass(frozen=True)
class Redraw:
    """A posted form refused: its page drawn again under `status`, each refusal beside its
    field ("_form": above the form) and the form as the person filled it in, so nothing typed
    is lost."""

    errors: Mapping[str, str]
    form: Mapping[str, Any] = field(default_factory=dict)
    status: int = 422

    @classmethod
    def refused(
        cls,
        exc: ApiError,
        form: Mapping[str, Any] | None = None,
        *,
        status: int = 422,
        summary: bool = False,
    ) -> Redraw:
        """The platform's refusal by field; `summary` also puts its first message above the
        form (for refusals of fields the form does not show)."""
        errors = field_errors(exc)
        if summary:
            errors.setdefault("_form", exc.errors[0]["message"])
        return cls(errors, form or {}, status)


def jsonable(obj: Any) -> Any:
    """What `jsonable_encoder` makes of a page's data, built directly for the plain types a
    page's rows are made of (dicts, lists, strings, numbers, dates): jsonable_encoder's
    generic dispatch cost a list page's JSON twin about as much as its queries. Anything
    else still goes through jsonable_encoder, so the body is the same."""
    kind = type(obj)
    if kind is str or kind is int or kind is bool or kind is float or obj is None:
        return obj
    if kind is dict:
        return {
            (k if type(k) is str else jsonable_encoder(k)): jsonable(v)
            for k, v in obj.items()
            if not (type(k) is str and k.startswith("_sa"))  # as jsonable_encoder leaves out
        }
    if kind is list or kind is tuple:
        return [jsonable(v) for v in obj]
    if kind is dt.datetime or kind is dt.date:
        return obj.isoformat()
    return jsonable_encoder(obj)


def page(
    request: Request,
    template: str,
    data: dict[str, Any],
    *,
    title: str,
    redraw: Redraw | None = None,
    form: Mapping[str, Any] | None = None,
    flash: str | None = None,
) -> Response:
    """Render `template` with `data`, or return `data` itself as the page's JSON twin; with
    `redraw`, the refused form under its status. `form`: the values a form starts with (a
    redraw's replace them)."""
    errors = dict(redraw.errors) if redraw else {}
    form = dict(redraw.form if redraw else form or {})
    status = redraw.status if redraw else 200
    if wants_json(request):
        body = {"page": title, **data}
        if errors:
            body["errors"] = [{"path": k, "message": v} for k, v in errors.items()]
        return JSONResponse(jsonable(body), status_code=status)
    ctx = {
        "title": title,
        "data": data,
        **data,
        "errors": errors,
        "form": form,
        "flash": flash or request.query_params.get("msg"),
        "user": getattr(request.state, "web_user", None),
        "json_url": json_twin_url(request),
    }
    resp: HTMLResponse = templates.TemplateResponse(request, template, ctx, status_code=status)
    return with_twin_link(request, resp)


def with_twin_link(request: Request, resp: Response) -> Response:
    """Name the page's JSON twin in a Link header, as datasette does, so a program that was
    handed a page's address finds its data without scraping."""
    url = root(request) + json_twin_url(request)
    resp.headers["Link"] = f'<{url}>; rel="alternate"; type="application/json"'
    return resp


def json_twin_url(request: Request) -> str:
    params = dict(request.query_params)
    params["format"] = "json"
    from urllib.parse import urlencode

    return f"{app_path(request)}?{urlencode(params)}"


ERROR_TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的操作",
    422: "填写有误",
    429: "操作过于频繁",
    500: "系统出错了",
}


def html_error(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"errors": [{"path": "", "rule": "http", "message": message}]}, status_code=status
        )
    ctx = {
        "title": ERROR_TITLES.get(status, "出错了"),
        "message": message,
        "status": status,
        "errors": {},
        "form": {},
    }
    ctx["user"] = getattr(request.state, "web_user", None)
    ctx["json_url"] = json_twin_url(request)
    resp: HTMLResponse = templates.TemplateResponse(request, "error.html", ctx, status_code=status)
    return with_twin_link(request, resp)
