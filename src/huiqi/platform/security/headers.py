"""Security headers on every response, and the `Secure` flag on cookies served over HTTPS.

The pages load scripts and styles only from /static/web (no inline <script>), so the policy can
say script-src 'self'. Style attributes stay allowed (style-src-attr) for the few computed
widths of the budget bars; <style> elements and foreign stylesheets do not. The API's Swagger
page needs its inline start-up script and gets a policy of its own.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huiqi.platform.security.proxies import TrustedProxies, request_scheme

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def cookie_secure(scope: Scope, mode: str, proxies: TrustedProxies | None = None) -> bool:
    """Whether cookies set in this response must carry `Secure` (HUIQI_COOKIE_SECURE)."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    return request_scheme(scope, proxies) == "https"


class SecurityHeaders:
    def __init__(
        self,
        app: ASGIApp,
        *,
        proxies: TrustedProxies,
        cookie_mode: str = "auto",
        docs_prefix: str = "/api/v1/docs",
    ) -> None:
        self.app = app
        self.proxies = proxies
        self.cookie_mode = cookie_mode
        self.docs_prefix = docs_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = request_scheme(scope, self.proxies) == "https"
        secure = cookie_secure(scope, self.cookie_mode, self.proxies)
        docs = str(scope.get("path", "")).startswith(self.docs_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in COMMON.items():
                    headers.setdefault(key, value)
                headers.setdefault("content-security-policy", DOCS_CSP if docs else PAGE_CSP)
                if https:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if secure:
                    _secure_cookies(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookies(headers: MutableHeaders) -> None:
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie += "; Secure"
        headers.append("set-cookie", cookie)
