"""The public 政策计算器 under load: a lean ASGI route and a batcher for POST /api/v1/evaluate.

Why not just a FastAPI route: the calculator is the one endpoint open to everyone and it is
pure CPU. Routing, dependency injection and the response machinery cost about a quarter of
a millisecond a request, as much as evaluating three measures. `CalculatorRoute` answers
this one path before FastAPI routes it; the FastAPI route stays for the OpenAPI document and
answers identically (both call `evaluate_response`).

Why batch: a single case pays a fixed cost per measure (formula, conditions, a few dozen
numpy calls on one-row columns). Requests that arrive together are evaluated as one frame
per measure by the same columnar engine that screens a registry, and each gets exactly the
answer it would get alone (`evaluate_cases`, tested row for row). Batching needs no timer:
while one batch is computed the event loop is busy, so the requests that arrive meanwhile
are all parsed in the next loop iteration and flushed together; an idle server answers a
lone request as soon as it is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from huiqi.platform.errors import ApiError
from huiqi.platform.ratelimit import TokenBucket, take
from huiqi.platform.security import jsonsafe
from huiqi.platform.security.proxies import client_address
from huiqi.rules.api import evaluate_cases_json
from huiqi.rules.errors import InputError

MAX_BODY = 1_000_000
MAX_BATCH = 64

Answer = tuple[int, bytes, dict[str, str]]


def parse_body(body: bytes) -> Any:
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large", "案例 JSON 不能超过 1MB")
    # Decimal keeps amounts like 1234.56 exact on their way to integer fen; the strict loader
    # refuses NaN, 1e400, NUL characters and deep nesting with a 422 naming the field
    return jsonsafe.loads(body)


def measure_ids(query: str | None) -> tuple[str, ...] | None:
    """`?measures=2.6.1,2.6.2` -> ("2.6.1", "2.6.2"); absent or empty -> None (all)."""
    if not query:
        return None
    ids = tuple(m.strip() for m in query.split(",") if m.strip())
    return ids or None


class Batcher:
    """Collects calculator cases and evaluates those that arrive together as one batch."""

    def __init__(self, policy: Callable[[], Any], max_batch: int = MAX_BATCH) -> None:
        self._policy = policy
        self._max_batch = max_batch
        self._pending: list[tuple[Any, tuple[str, ...] | None, asyncio.Future[Any]]] = []
        self._scheduled = False
        self.batches = 0  # how many evaluate_cases calls ran (for tests and /health)
        self.cases = 0

    async def evaluate(self, raw: Any, ids: tuple[str, ...] | None) -> dict[str, Any]:
        """The result JSON of one case; raises InputError for a bad one."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((raw, ids, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        result = await future
        if isinstance(result, InputError):
            raise result
        assert isinstance(result, dict)
        return result

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        groups: dict[tuple[str, ...] | None, list[tuple[Any, asyncio.Future[Any]]]] = {}
        for raw, ids, future in pending:
            groups.setdefault(ids, []).append((raw, future))
        for ids, members in groups.items():
            for start in range(0, len(members), self._max_batch):
                self._run(ids, members[start : start + self._max_batch])

    def _run(
        self, ids: tuple[str, ...] | None, members: list[tuple[Any, asyncio.Future[Any]]]
    ) -> None:
        self.batches += 1
        self.cases += len(members)
        try:
            answers: list[Any] = evaluate_cases_json(
                self._policy(), [raw for raw, _ in members], list(ids) if ids else None
            )
        except InputError as e:  # the measure list itself is wrong: the same for all
            answers = [e] * len(members)
        except Exception as e:  # a bug must fail these requests, not hang them
            for _, future in members:
                if not future.done():
                    future.set_exception(e)
            return
        for (_, future), answer in zip(members, answers, strict=True):
            if not future.done():  # the client may have gone away
                future.set_result(answer)


async def evaluate_response(
    batcher: Batcher, bucket: TokenBucket, client: str, body: bytes, query: str | None
) -> Answer:
    """Status, JSON body and extra headers of POST /evaluate: the one implementation."""
    try:
        take(bucket, client)
        result = await batcher.evaluate(parse_body(body), measure_ids(query))
    except ApiError as e:
        return e.status, orjson.dumps({"errors": e.errors}), e.headers or {}
    except InputError as e:
        return 422, orjson.dumps({"errors": [x.to_json() for x in e.errors]}), {}
    return 200, orjson.dumps(result), {}


class CalculatorRoute:
    """ASGI middleware answering POST {path} itself; everything else goes to the app."""

    def __init__(self, app: ASGIApp, *, path: str, batcher: Batcher, bucket: TokenBucket) -> None:
        self.app = app
        self.path = path
        self.batcher = batcher
        self.bucket = bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                break  # parse_body answers 413 without reading the rest
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("measures")
        client = client_address(scope)
        status, payload, extra = await evaluate_response(
            self.batcher, self.bucket, client, body, query[-1] if query else None
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
