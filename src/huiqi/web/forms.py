"""A posted form read through the platform's Pydantic schema: one schema per form, the rules
(year range, score range, lengths) written once in the platform package's schemas.py.

A form schema may carry `FORM_MESSAGES`: "field" or "field:error type" (e.g. "reason:missing",
a blank field) -> the sentence the page shows beside the field; any other refusal is worded by
the platform's Chinese error table, so a person never sees English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from huiqi.platform.errors import bound_message

Form = TypeVar("Form", bound=BaseModel)


def read_form(schema: type[Form], form: Mapping[str, Any]) -> tuple[Form | None, dict[str, str]]:
    """(the validated form, {}) or (None, {field: Chinese message}). Text is trimmed, and a
    blank field counts as not filled in, as a browser sends every field of the form."""
    data = {
        k: v.strip() if isinstance(v, str) else v
        for k, v in form.items()
        if k in schema.model_fields
    }
    data = {k: v for k, v in data.items() if v != ""}
    try:
        return schema.model_validate(data), {}
    except ValidationError as exc:
        return None, form_errors(schema, exc)


def form_errors(schema: type[BaseModel], exc: ValidationError) -> dict[str, str]:
    messages: dict[str, str] = getattr(schema, "FORM_MESSAGES", {})
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "_form"
        info = schema.model_fields.get(field)
        title = info.title if info is not None and info.title else ""
        text = (
            messages.get(f"{field}:{err['type']}")
            or messages.get(field)
            or (f"{title}：" if title else "") + bound_message(dict(err))
        )
        errors.setdefault(field, text)
    return errors
