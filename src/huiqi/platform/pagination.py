"""Keyset pagination for every list: a page is "the `limit` rows after (or before) this sort key".

OFFSET makes page n cost n pages of reading and shifts rows between pages when new ones arrive;
a keyset page reads only its own rows through the list's index and stays put under inserts.

A cursor is opaque to clients: base64url of a small JSON document naming the list it belongs
to, the direction (a = rows after the key, b = rows before it) and the sort key of the last
(first) row shown: its values, then the row id as the final tie-breaker. A cursor from another
list, a forged one or one with the wrong types is refused with a Chinese error naming `cursor`.
The person's scope is applied by the caller's query as always, so a cursor never widens it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson
from fastapi import Request, Response
from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from huiqi.platform.errors import ApiError

if TYPE_CHECKING:
    # any SELECT, whatever its columns (Select is generic over the tuple of its row's types)
    AnySelect = Select[*tuple[Any, ...]]

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass
class Page(Generic[T]):
    """One page of a list: its rows and the cursors of the neighbouring pages (None at an end)."""

    items: list[T]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    extra: dict[str, Any] = field(default_factory=dict)


def bad_cursor(message: str = "cursor 无效：请从列表第一页重新翻页") -> ApiError:
    return ApiError(422, "cursor", message, "cursor")


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, "range", f"limit 每页条数应在 1–{MAX_LIMIT} 之间", "limit")
    return limit


def _tag(v: Any) -> list[Any]:
    if isinstance(v, dt.datetime):
        return ["t", v.astimezone(dt.UTC).isoformat()]
    if isinstance(v, dt.date):
        return ["d", v.isoformat()]
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise TypeError(f"unsupported cursor value {v!r}")
    return ["i" if isinstance(v, int) else "s", v]


def _untag(item: Any) -> Any:
    if not (isinstance(item, list) and len(item) == 2):
        raise bad_cursor()
    kind, v = item
    try:
        if kind == "t" and isinstance(v, str):
            when = dt.datetime.fromisoformat(v)
            if when.tzinfo is None:
                raise ValueError
            return when
        if kind == "d" and isinstance(v, str):
            return dt.date.fromisoformat(v)
    except ValueError:
        raise bad_cursor() from None
    if kind == "i" and isinstance(v, int) and not isinstance(v, bool):
        return v
    if kind == "s" and isinstance(v, str):
        return v
    raise bad_cursor()


def _fits(column: ColumnElement[Any] | InstrumentedAttribute[Any], value: Any) -> bool:
    """A cursor value has the type of the key column it stands for (a time for a time...)."""
    kind = column.type
    impl = getattr(kind, "impl_instance", None)  # a TypeDecorator says `object`; its impl knows
    want = (impl if impl is not None else kind).python_type
    if want is dt.date:
        return type(value) is dt.date
    return isinstance(value, want)


def encode_cursor(name: str, direction: str, key: Sequence[Any]) -> str:
    doc = {"l": name, "d": direction, "k": [_tag(v) for v in key]}
    return base64.urlsafe_b64encode(orjson.dumps(doc)).decode().rstrip("=")


def decode_cursor(name: str, cursor: str, arity: int) -> tuple[str, tuple[Any, ...]]:
    """(direction, key) of a cursor made by `encode_cursor` for the list `name`."""
    if len(cursor) > 512:
        raise bad_cursor("cursor 过长：请从列表第一页重新翻页")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = orjson.loads(raw)
    except (binascii.Error, ValueError):
        raise bad_cursor() from None
    if not isinstance(doc, dict) or doc.get("l") != name:
        raise bad_cursor("cursor 不属于这个列表：请从列表第一页重新翻页")
    direction, key = doc.get("d"), doc.get("k")
    if direction not in ("a", "b") or not isinstance(key, list) or len(key) != arity:
        raise bad_cursor()
    return direction, tuple(_untag(v) for v in key)


def keyset_page(
    db: Session,
    name: str,
    query: AnySelect,
    keys: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    key_of: Callable[[Any], Sequence[Any]],
    *,
    cursor: str | None,
    limit: int | None,
    descending: bool = False,
    scalars: bool = True,
) -> Page[Any]:
    """Run `query` (already filtered to the person's scope) one page at a time.

    `keys` are the sort columns, the last one unique (the id); `key_of(row)` reads them back
    from a result row. All keys sort the same way (`descending`), so one row-value comparison
    `(k1, k2) > (v1, v2)` walks the matching composite index on both PostgreSQL and SQLite.
    """
    size = check_limit(limit)
    direction, after = ("a", None) if not cursor else decode_cursor(name, cursor, len(keys))
    if after is not None and not all(map(_fits, keys, after)):
        raise bad_cursor()
    backwards = direction == "b"
    # reading backwards flips the order, then the rows are put back the right way round
    desc = descending != backwards
    q = query
    if after is not None:
        row_key = tuple_(*keys)
        q = q.where(row_key < tuple_(*after) if desc else row_key > tuple_(*after))
    q = q.order_by(*[k.desc() if desc else k.asc() for k in keys]).limit(size + 1)
    rows = list(db.scalars(q) if scalars else db.execute(q).all())
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page: Page[Any] = Page(items=rows, limit=size)
    if not rows:
        return page
    first, last = tuple(key_of(rows[0])), tuple(key_of(rows[-1]))
    # forwards: a next page if a row was left over, a previous one if we came from a cursor;
    # backwards: the mirror image
    if (more and not backwards) or (backwards and after is not None):
        page.next_cursor = encode_cursor(name, "a", last)
    if (after is not None and not backwards) or (backwards and more):
        page.prev_cursor = encode_cursor(name, "b", first)
    return page


COUNT_CAP = 1000


def bounded_count(db: Session, q: AnySelect, cap: int = COUNT_CAP) -> int:
    """How many rows `q` matches, reading at most `cap` + 1 of them: a "共 N 条" figure whose
    cost does not grow with the table. No ORDER BY, so the database may stop in whichever
    index covers the filter (an index-only scan where one does). A result above `cap` means
    "more than `cap`" (shown as "1000+")."""
    first = q.with_only_columns(literal(1)).order_by(None).limit(cap + 1).subquery()
    return int(db.scalar(select(func.count()).select_from(first)) or 0)


def link_headers(response: Response, request: Request, page: Page[Any]) -> None:
    """The API's lists keep their JSON array body; the neighbouring pages travel in headers:
    `X-Next-Cursor` / `X-Prev-Cursor` and an RFC 8288 `Link` (rel="next"/"prev")."""
    links = []
    for rel, cursor in (("next", page.next_cursor), ("prev", page.prev_cursor)):
        if cursor:
            response.headers[f"X-{rel.capitalize()}-Cursor"] = cursor
            links.append(f'<{request.url.include_query_params(cursor=cursor)}>; rel="{rel}"')
    if links:
        response.headers["Link"] = ", ".join(links)
