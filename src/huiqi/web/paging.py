"""下一页/上一页 for the list pages: links that keep the page's filters and swap its cursor, and the
same cursors in the JSON twin (`next_cursor`, `prev_cursor`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from huiqi.platform.pagination import Page


def _url(request: Request, param: str, cursor: str) -> str:
    url = request.url.include_query_params(**{param: cursor})
    return f"{url.path}?{url.query}"


def pager(request: Request, page: Page[Any], param: str = "cursor") -> dict[str, Any]:
    """The cursors of `page` and the URLs of its neighbours (None at either end)."""
    return {
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
        "limit": page.limit,
        "next_url": _url(request, param, page.next_cursor) if page.next_cursor else None,
        "prev_url": _url(request, param, page.prev_cursor) if page.prev_cursor else None,
    }


def limit_of(text: str) -> int | None:
    """The `limit` query text as a number (None: the list's default); range is checked by the
    service, so a bad value gets the same Chinese error everywhere."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else 0
