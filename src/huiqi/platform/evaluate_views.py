"""The public 政策计算器: POST /evaluate and /explain, the same contract as `huiqi evaluate`."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from huiqi.platform.errors import ERROR_RESPONSES, ApiError
from huiqi.platform.policy import get_policy
from huiqi.platform.ratelimit import rate_limited

router = APIRouter(
    tags=["政策计算器（免登录）"],
    responses={**ERROR_RESPONSES, 429: {"description": "请求过于频繁"}},
)

_CASE_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "与 `huiqi evaluate` 相同的案例 JSON"},
                "example": {
                    "as_of": "2024-06-30",
                    "fiscal_year": 2023,
                    "enterprise": {"name": "示例软件有限公司", "software_enterprise": True},
                    "annual": {"2023": {"revenue": "2000万元", "rd_expense": "400万元"}},
                },
            }
        },
    }
}


async def _case(request: Request) -> Any:
    body = await request.body()
    if len(body) > 1_000_000:
        raise ApiError(413, "too_large", "案例 JSON 不能超过 1MB")
    try:
        # Decimal keeps amounts like 1234.56 exact on their way to integer fen.
        return json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "json_invalid", "请求体不是合法的 JSON", "$") from None


@router.post(
    "/evaluate",
    summary="测算一个案例（与 huiqi evaluate 相同的结果 JSON）",
    openapi_extra=_CASE_DOC,
    dependencies=[Depends(rate_limited)],
    response_class=JSONResponse,
)
async def evaluate(
    request: Request,
    measures: str | None = Query(None, description="只测算这些措施，逗号分隔，如 2.6.1,2.6.2"),
) -> Any:
    from huiqi.rules.api import evaluate_case_json

    raw = await _case(request)
    ids = [m.strip() for m in measures.split(",") if m.strip()] if measures else None
    # Evaluated on the event loop, not in the thread pool: it is pure CPU for 1-5 ms and holds
    # the GIL anyway, so a thread hop would only add latency (measured: ~1-3 ms per request).
    result = evaluate_case_json(get_policy(), raw, ids)
    # the result is already plain JSON types; orjson skips FastAPI's jsonable_encoder walk of
    # a 60 KB tree, which costs more than the evaluation itself
    return Response(orjson.dumps(result), media_type="application/json")


@router.post(
    "/explain",
    summary="用中文解释一个案例的测算（与 huiqi explain 相同的文本）",
    openapi_extra=_CASE_DOC,
    dependencies=[Depends(rate_limited)],
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "中文说明"}},
)
async def explain(request: Request) -> PlainTextResponse:
    from huiqi.rules.api import explain_case_text

    raw = await _case(request)
    text = explain_case_text(get_policy(), raw)  # on the loop, as evaluate (see there)
    return PlainTextResponse(text)
