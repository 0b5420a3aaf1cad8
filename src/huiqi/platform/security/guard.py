"""Request guard: body size limits counted while the body streams in, and the checks every
request passes before a handler sees it (no NUL in the URL, the query or any text field; JSON
with bounded nesting and finite numbers).

Why read the body here: a limit checked after `await request.body()` (or after Starlette has
spooled a multipart upload) comes after the memory or disk is spent — a 200 MB login body
took 600 MB that way. Here a Content-Length above the limit is refused before a byte is read,
and a chunked body is refused at the first chunk that crosses the limit. JSON and form bodies
(at most `max_body_bytes`, 1 MiB by default) are held in memory; multipart uploads go to a
temporary file once past 1 MiB. The app then reads the same bytes from here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huiqi.platform.errors import ApiError
from huiqi.platform.security import jsonsafe
from huiqi.platform.security.respond import refuse

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1 << 20
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _mib(n: int) -> str:
    return f"{n / (1 << 20):g} MB"


def _nul_in_pairs(pairs: Iterable[tuple[str, str]]) -> str | None:
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "\\u0000") or "$"
    return None


class _MultipartText:
    """Feeds a multipart body through python-multipart as it arrives and remembers the first
    text field (a part without a filename) that contains a NUL character. File parts are
    binary and may contain anything."""

    def __init__(self, boundary: bytes) -> None:
        self.nul_field: str | None = None
        self.broken = False
        self._field = b""
        self._value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._is_file = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._hfield,
                "on_header_value": self._hvalue,
                "on_header_end": self._hend,
                "on_headers_finished": self._hdone,
                "on_part_data": self._data,
            },
        )

    def _begin(self) -> None:
        self._headers, self._name, self._is_file = {}, "", False

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _hend(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _hdone(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = b"filename" in options

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.nul_field is None and not self._is_file and b"\x00" in data[start:end]:
            self.nul_field = self._name.replace("\x00", "\\u0000") or "$"

    def feed(self, chunk: bytes) -> None:
        if self.broken:
            return
        try:
            self.parser.write(chunk)
        except Exception:  # malformed: the app's own parser will answer it
            self.broken = True


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        upload_max_bytes: int,
        upload_limits_by_path: dict[str, int] | None = None,
        self_parsing_paths: frozenset[str] = frozenset({"/api/v1/evaluate", "/api/v1/explain"}),
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = upload_max_bytes
        # uploads that may be larger than the rest (an analyst's registry for bulk screening)
        self.upload_by_path = upload_limits_by_path or {}
        # endpoints that parse their JSON with jsonsafe.loads themselves (the calculator's hot
        # path): checked once there instead of twice
        self.self_parsing = self_parsing_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._url_problem(scope)
        if problem is not None:
            await refuse(scope, send, *problem)
            return
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        ctype_raw = headers.get(b"content-type", b"")
        ctype, options = parse_options_header(ctype_raw)
        ctype = ctype.lower()
        multipart = ctype.startswith(b"multipart/")
        limit = (
            self.upload_by_path.get(scope.get("path", ""), self.max_upload)
            if multipart
            else self.max_body
        )
        too_large = (
            413,
            "file" if multipart else "$",
            "too_large",
            f"请求体不能超过 {_mib(limit)}" + ("（上传文件合计）" if multipart else ""),
        )
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await refuse(scope, send, *too_large)
            return
        if not multipart:
            await self._consume(scope, receive, send, limit, too_large, ctype, None, None)
            return
        boundary = options.get(b"boundary")
        text = _MultipartText(boundary) if boundary else None
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            await self._consume(scope, receive, send, limit, too_large, ctype, spool, text)

    async def _consume(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        limit: int,
        too_large: tuple[int, str, str, str],
        ctype: bytes,
        spool: IO[bytes] | None,
        text: _MultipartText | None,
    ) -> None:
        """Read the whole body (refused at the first chunk past `limit`), check it, then run
        the app on the same bytes."""
        parts: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            size += len(chunk)
            if size > limit:
                await refuse(scope, send, *too_large)
                return
            if spool is not None:
                spool.write(chunk)
                if text is not None:
                    text.feed(chunk)
            else:
                parts.append(chunk)
        body = b"".join(parts)
        problem = self._body_problem(scope, ctype, body, text)
        if problem is not None:
            await refuse(scope, send, *problem)
            return
        if spool is not None:
            spool.seek(0)
        await self.app(scope, _replay(body, spool, size, receive), send)

    def _url_problem(self, scope: Scope) -> tuple[int, str, str, str] | None:
        raw_path = scope.get("raw_path") or b""
        if "\x00" in scope.get("path", "") or b"%00" in raw_path:
            return 400, "url", "nul_character", "网址不能包含空字符（%00）"
        query = scope.get("query_string") or b""
        if b"%00" in query or b"\x00" in query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
            name = _nul_in_pairs(pairs) or "query"
            return 422, name, "nul_character", f"查询参数 {name} 不能包含空字符（%00）"
        return None

    def _body_problem(
        self, scope: Scope, ctype: bytes, body: bytes, text: _MultipartText | None
    ) -> tuple[int, str, str, str] | None:
        if text is not None:
            if text.nul_field is not None:
                name = text.nul_field
                return 422, name, "nul_character", f"字段 {name} 不能包含空字符"
            return None
        if ctype == b"application/x-www-form-urlencoded":
            if b"%00" in body or b"\x00" in body:
                pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
                name = _nul_in_pairs(pairs) or "$"
                return 422, name, "nul_character", f"字段 {name} 不能包含空字符"
            return None
        json_like = ctype in (b"", b"application/json") or ctype.endswith(b"+json")
        if not json_like or scope.get("path") in self.self_parsing or not body.strip():
            return None
        try:
            jsonsafe.loads(body)
        except ApiError as exc:
            if exc.errors[0]["rule"] == "json_invalid":
                return None  # not JSON at all: the handler's own parser names it
            e = exc.errors[0]
            return exc.status, e["path"], e["rule"], e["message"]
        return None


def _replay(body: bytes, spool: IO[bytes] | None, total: int, receive: Receive) -> Receive:
    """A receive() that hands the app the body already read, then the real channel."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        if spool is not None:
            chunk = spool.read(CHUNK)
            more = spool.tell() < total
            if not more:
                done = True
            return {"type": "http.request", "body": chunk, "more_body": more}
        done = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
