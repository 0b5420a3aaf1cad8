"""Integer ids in URLs stay inside the database's INTEGER range.

A page route declared `application_id: int` without a bound accepted /…/99999999999, and
PostgreSQL then failed the query ("integer out of range"): a 500. This dependency, installed on
every route, answers such an id with a 404 naming the parameter, for the routes written today
and those added later.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.params import Path as PathParam

from huiqi.platform.errors import ApiError

MAX_ID = 2**31 - 1


def _int_path_params(route: object) -> tuple[str, ...]:
    cached: tuple[str, ...] | None = getattr(route, "_huiqi_int_path_params", None)
    if cached is not None:
        return cached
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return ()
    names = tuple(
        p.name
        for p in get_flat_params(dependant)
        if isinstance(p.field_info, PathParam) and p.field_info.annotation is int
    )
    # cached on Starlette's route object, whose class declares no such attribute
    route._huiqi_int_path_params = names  # type: ignore[attr-defined]
    return names


async def bounded_path_ids(request: Request) -> None:
    route = request.scope.get("route")
    if route is None:
        return
    for name in _int_path_params(route):
        raw = str(request.path_params.get(name, "")).strip()
        digits = raw.lstrip("+-")
        if digits.isdigit() and (len(digits) > 10 or int(digits) > MAX_ID):
            raise ApiError(
                404, "out_of_range", f"编号 {raw[:30]} 不存在（编号不大于 {MAX_ID}）", name
            )
