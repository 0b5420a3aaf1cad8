"""In-process token bucket per client IP for the open calculator endpoints.

In-process is enough for the single-process `huiqi serve`; behind several workers each worker
limits separately (documented in docs/platform.md).
"""

from __future__ import annotations

import threading
import time

from fastapi import Request

from huiqi.platform.errors import ApiError
from huiqi.platform.security.proxies import client_address


class TokenBucket:
    def __init__(self, rate_per_second: float, burst: int, max_clients: int = 100_000) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.max_clients = max_clients
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> float:
        """0.0 when allowed, otherwise the seconds until the next token."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                if len(self._state) >= self.max_clients and client not in self._state:
                    self._state.clear()  # crude bound on memory under address spraying
                self._state[client] = (tokens - 1.0, now)
                return 0.0
            self._state[client] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else 60.0


def take(bucket: TokenBucket, client: str, what: str = "请求") -> None:
    """Take a token for `client`, or raise the 429 every limited endpoint answers."""
    wait = bucket.allow(client)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            f"{what}过于频繁，请 {max(1, round(wait))} 秒后再试",
            headers={"Retry-After": str(max(1, round(wait + 0.5)))},
        )


def client_of(request: Request) -> str:
    """The client's address, X-Forwarded-For believed only from HUIQI_TRUSTED_PROXIES."""
    return client_address(request)


async def rate_limited(request: Request) -> None:
    # async: a plain def dependency is run in the thread pool, and the hop costs more than
    # the bucket arithmetic (the bucket's own lock keeps it safe either way)
    take(request.app.state.bucket, client_of(request))
