"""Cross-site request refusal: every state-changing request must come from the site itself.

Browsers tell the server where a request came from: `Sec-Fetch-Site` (all current browsers)
and `Origin` (on every cross-origin POST, and on same-origin ones too). A form on another site
that posts to /logout or a review page carries `Sec-Fetch-Site: cross-site` and a foreign
`Origin`, and is refused here before the handler runs, whatever cookie the browser attaches.
This protects every form without a token in each template. Requests with neither header are
not from a browser page (curl, API clients with bearer tokens, the test client) and pass;
a browser always sends at least one of them on a POST.

Behind a reverse proxy the origin the browser sees is the proxy's: the expected origin is built
from X-Forwarded-Proto / X-Forwarded-Host when the peer is a trusted proxy, and
HUIQI_PUBLIC_ORIGINS may name further origins of the site (e.g. https://huiqi.example.gov.cn).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from huiqi.platform.security.proxies import TrustedProxies, request_host, request_scheme
from huiqi.platform.security.respond import refuse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalise_origin(origin: str) -> str:
    """scheme://host[:port] in lower case, default ports dropped; "" when not an origin."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    suffix = f":{port}" if port and str(port) != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{suffix}"


def own_origin(scope: Scope, proxies: TrustedProxies) -> str:
    scheme = request_scheme(scope, proxies)
    host = request_host(scope, proxies)
    return normalise_origin(f"{scheme}://{host}") if host else ""


class CrossSiteGuard:
    def __init__(self, app: ASGIApp, *, proxies: TrustedProxies, public_origins: str = "") -> None:
        self.app = app
        self.proxies = proxies
        self.public = {o for o in (normalise_origin(x) for x in public_origins.split(",")) if o}

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, or None."""
        headers = dict(scope.get("headers") or ())
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
        origin = headers.get(b"origin", b"").decode("latin-1").strip()
        referer = headers.get(b"referer", b"").decode("latin-1").strip()
        if site in ("cross-site", "same-site"):
            return f"拒绝来自其他网站的请求（Sec-Fetch-Site: {site}）"
        allowed = {own_origin(scope, self.proxies), *self.public}
        if origin:
            if origin == "null" or normalise_origin(origin) not in allowed:
                return f"拒绝来自其他网站的请求（Origin: {origin[:100]}）"
            return None
        if site in ("same-origin", "none"):
            return None
        if referer and normalise_origin(referer) not in allowed:
            return "拒绝来自其他网站的请求（Referer 不是本站）"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            reason = self.refusal(scope)
            if reason is not None:
                await refuse(scope, send, 403, "Origin", "cross_site", reason)
                return
        await self.app(scope, receive, send)
