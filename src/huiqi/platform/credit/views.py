from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from huiqi.platform.auth.service import Principal
from huiqi.platform.credit.service import DEFAULTS, get_parameter, set_parameter
from huiqi.platform.deps import Db, require
from huiqi.platform.errors import ERROR_RESPONSES, ApiError

router = APIRouter(prefix="/parameters", tags=["参数"], responses=ERROR_RESPONSES)
Admin = Annotated[Principal, Depends(require("admin"))]


class ParameterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: bool | int | list[str] = Field(
        description="credit.block_enabled：布尔；credit.penalty_months：整数（重大行政处罚回溯月数）；"
        "credit.block_any_penalty：布尔（一般行政处罚也不予支持）；"
        "review.expert_measures：需专家评审的措施编号数组"
    )


@router.get(
    "",
    response_model=dict[str, Any],
    summary="平台参数（信用审查开关、重大行政处罚回溯月数、一般处罚是否阻止、需专家评审的措施）",
)
def list_parameters(db: Db, p: Admin) -> dict[str, Any]:
    return {k: get_parameter(db, k) for k in DEFAULTS}


@router.put("/{key}", response_model=dict[str, Any], summary="修改平台参数")
def put_parameter(
    db: Db, p: Admin, key: Annotated[str, Path(max_length=64)], body: ParameterIn
) -> dict[str, Any]:
    if key not in DEFAULTS:
        raise ApiError(
            404, "unknown_parameter", f"未知参数 {key}，可选：{'、'.join(DEFAULTS)}", "key"
        )
    set_parameter(db, p, key, body.value)
    return {k: get_parameter(db, k) for k in DEFAULTS}
