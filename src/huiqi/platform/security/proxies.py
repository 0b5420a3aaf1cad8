"""Forwarded headers, believed only from configured proxies (HUIQI_TRUSTED_PROXIES).

Behind nginx the socket peer is the proxy, and the client's address and scheme arrive in
X-Forwarded-For / X-Forwarded-Proto. Anyone can send those headers, so they count only when the
peer is a listed proxy; otherwise a client could choose its own address and step around every
per-address limit. `client_address` is the one answer to "who is this" for rate limits, login
throttling and the audit.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# uvicorn's own proxy handling trusts X-Forwarded-For from 127.0.0.1 by default and rewrites the
# client address before the app sees it: a client on the same host (or anything relayed through
# a local process) could then pick its address for every rate limit. The app reads the
# forwarded headers itself, from HUIQI_TRUSTED_PROXIES only, so uvicorn must not.
UVICORN_OPTIONS: dict[str, bool] = {"proxy_headers": False, "server_header": False}


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """ "10.0.0.1, 192.168.0.0/24" -> the networks; raises ValueError naming a bad entry."""
        nets = []
        for item in (text or "").split(","):
            item = item.strip()
            if not item:
                continue
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(
                    f"HUIQI_TRUSTED_PROXIES 中的 {item!r} 不是 IP 地址或网段"
                ) from None
        return cls(tuple(nets))

    def trusts(self, host: str | None) -> bool:
        if not host or not self.networks:
            return False
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(addr in net for net in self.networks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _proxies_of(scope: Scope) -> TrustedProxies:
    app = scope.get("app")
    found = getattr(getattr(app, "state", None), "trusted_proxies", None)
    return found if isinstance(found, TrustedProxies) else TrustedProxies()


def set_trusted_proxies(app: Any, text: str) -> None:
    app.state.trusted_proxies = TrustedProxies.parse(text)


def client_address(conn: HTTPConnection | Scope, proxies: TrustedProxies | None = None) -> str:
    """The client's IP: the socket peer, or, when the peer is a trusted proxy, the address the
    proxies recorded. X-Forwarded-For is read from the right, skipping trusted proxies, so a
    value the client itself put at the left is never taken."""
    scope: Scope = conn.scope if isinstance(conn, HTTPConnection) else conn
    proxies = proxies or _proxies_of(scope)
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if not proxies.trusts(peer):
        return peer
    forwarded = _header(scope, b"x-forwarded-for")
    if not forwarded:
        return peer
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not proxies.trusts(hop):
            return hop
    return hops[0] if hops else peer


def request_scheme(scope: Scope, proxies: TrustedProxies | None = None) -> str:
    """ "https" or "http" as the browser sees it (X-Forwarded-Proto only from a trusted proxy)."""
    proxies = proxies or _proxies_of(scope)
    client = scope.get("client")
    if client and proxies.trusts(str(client[0])):
        proto = _header(scope, b"x-forwarded-proto")
        if proto:
            return proto.split(",")[0].strip().lower()
    return str(scope.get("scheme", "http"))


def request_host(scope: Scope, proxies: TrustedProxies | None = None) -> str:
    """host[:port] as the browser sees it (X-Forwarded-Host only from a trusted proxy)."""
    proxies = proxies or _proxies_of(scope)
    client = scope.get("client")
    if client and proxies.trusts(str(client[0])):
        fwd = _header(scope, b"x-forwarded-host")
        if fwd:
            return fwd.split(",")[0].strip().lower()
    return (_header(scope, b"host") or "").lower()
