"""One error shape everywhere: {"errors": [{"path", "rule", "message"}]} with a 4xx status.

Services raise ApiError; FastAPI validation errors and the rules core's InputError are mapped
to the same shape so a client needs one parser, and every message is in Chinese.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from huiqi.rules.errors import InputError

log = logging.getLogger("huiqi.platform")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        rule: str,
        message: str,
        path: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = [{"path": path, "rule": rule, "message": message}]
        self.headers = headers


def not_found(what: str, path: str = "") -> ApiError:
    return ApiError(404, "not_found", f"{what}不存在或无权查看", path)


def forbidden(message: str = "当前账号无权执行此操作") -> ApiError:
    return ApiError(403, "forbidden", message)


# Pydantic error types -> Chinese. Anything unlisted falls back to a generic sentence that still
# names the field, so a user is never shown English.
_PYDANTIC_ZH = {
    "missing": "缺少必填字段",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数（金额以分为单位）",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "string_type": "应为字符串",
    "bool_type": "应为布尔值 true/false",
    "bool_parsing": "应为布尔值 true/false",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为时间（ISO 8601）",
    "dict_type": "应为对象",
    "list_type": "应为数组",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "应为对象",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "value_error": "取值不合法",
}


def _bound_message(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"必须大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "less_than":
        return f"必须小于 {ctx.get('lt')}"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return _PYDANTIC_ZH.get(kind, "字段取值不合法")


def _loc_to_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors():
        errors.append(
            {
                "path": _loc_to_path(err.get("loc", ())),
                "rule": str(err.get("type", "invalid")),
                "message": _bound_message(err),
            }
        )
    return errors or [{"path": "", "rule": "invalid", "message": "请求不合法"}]


_HTTP_ZH = {
    400: "请求不合法",
    401: "请先登录",
    403: "当前账号无权执行此操作",
    404: "请求的资源不存在",
    405: "不支持该请求方法",
    406: "不支持的响应格式",
    413: "请求体过大",
    415: "不支持的内容类型",
    429: "请求过于频繁，请稍后再试",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(req: Request, exc: ApiError) -> Response:
        from huiqi.platform.security.respond import html_page, wants_html

        if wants_html(req.scope):  # a page URL opened in a browser: words, not JSON
            body = html_page(req.scope, exc.errors[0]["message"])
            return HTMLResponse(body, status_code=exc.status, headers=exc.headers)
        return JSONResponse({"errors": exc.errors}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(InputError)
    async def _input_error(_req: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"errors": [e.to_json() for e in exc.errors]}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"errors": validation_errors(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        msg = _HTTP_ZH.get(exc.status_code, "请求失败")
        return JSONResponse(
            {"errors": [{"path": "", "rule": f"http_{exc.status_code}", "message": msg}]},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DBAPIError)
    async def _database_refused(_req: Request, exc: DBAPIError) -> JSONResponse:
        # A value the database cannot hold (an integer beyond its column, a NUL character in
        # text on PostgreSQL) is the client's input, not a server fault. The request guard and
        # the id bound catch the known cases with the field named; this is the net under them.
        if not _is_data_error(exc):
            return await _unexpected(_req, exc)
        log.warning("database refused a value: %s", exc.orig)
        return JSONResponse(
            {
                "errors": [
                    {
                        "path": "",
                        "rule": "out_of_range",
                        "message": "输入的数值或文本超出允许范围（或含空字符），请检查后重试",
                    }
                ]
            },
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {
                "errors": [
                    {"path": "", "rule": "internal", "message": "服务器内部错误，请联系管理员"}
                ]
            },
            status_code=500,
        )


def _is_data_error(exc: DBAPIError) -> bool:
    if isinstance(exc, DataError):
        return True
    text = str(exc.orig or "").lower()
    return "nul (0x00)" in text or "out of range" in text


class ErrorItem(BaseModel):
    path: str = Field(description="出错字段路径，如 figures[0].revenue_fen")
    rule: str = Field(description="违反的规则（稳定的机器名）")
    message: str = Field(description="中文说明")


class ErrorBody(BaseModel):
    errors: list[ErrorItem]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"description": d, "model": ErrorBody}
    for s, d in (
        (401, "未登录或会话已过期"),
        (403, "无权限"),
        (404, "不存在"),
        (409, "状态冲突"),
        (422, "输入不合法"),
    )
}
