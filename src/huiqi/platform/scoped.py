"""The one record a person may see, by id: every programme's "get" narrows the person's scope
(their list query) to the id, and answers 404 alike for a missing record and one outside the
scope, so the answer does not tell whether a record the person may not see exists."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from huiqi.platform.errors import not_found

M = TypeVar("M")


def one_visible(
    db: Session, scope: Select[Any], model: type[M], *, lock: bool, what: str, path: str
) -> M:
    """The one row of `scope` (already narrowed to an id), locked for the caller's write when
    `lock` (only `model`'s table, not those joined for the scope); else 404 naming `what`."""
    row = db.scalar(scope.with_for_update(of=model) if lock else scope)
    if row is None:
        raise not_found(what, path)
    if not isinstance(row, model):
        raise TypeError(f"the scope selects {type(row).__name__}, not {model.__name__}")
    return row
