"""The public 政策计算器: POST /evaluate and /explain, the same contract as `huiqi evaluate`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from huiqi.platform.calculator import evaluate_response, parse_body
from huiqi.platform.errors import ERROR_RESPONSES
from huiqi.platform.policy import get_policy
from huiqi.platform.ratelimit import client_of, rate_limited

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


@router.post(
    "/evaluate",
    summary="测算一个案例（与 huiqi evaluate 相同的结果 JSON）",
    description="同时到达的请求合并为一批，按列式引擎一次测算；每个案例的结果与单独测算完全相同。",
    openapi_extra=_CASE_DOC,
    response_class=JSONResponse,
)
async def evaluate(
    request: Request,
    measures: str | None = Query(None, description="只测算这些措施，逗号分隔，如 2.6.1,2.6.2"),
) -> Response:
    # Normally answered before routing by calculator.CalculatorRoute (installed by create_api_app);
    # this route documents the endpoint and answers the same way when called without it.
    status, payload, headers = await evaluate_response(
        request.app.state.batcher,
        request.app.state.bucket,
        client_of(request),
        await request.body(),
        measures,
    )
    return Response(payload, status_code=status, headers=headers, media_type="application/json")


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

    raw = parse_body(await request.body())
    policy = get_policy(request.app.state.settings.policy_id)  # the calculator's, as /evaluate
    text = explain_case_text(policy, raw)  # on the loop, as evaluate (see there)
    return PlainTextResponse(text)
