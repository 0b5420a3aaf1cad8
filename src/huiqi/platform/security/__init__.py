"""Security middleware and helpers: trusted proxies, CSRF, response headers, request guards.

`install(app, settings)` wires them into the platform app; each module is a pure ASGI
middleware or a small function, usable and tested on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from huiqi.platform.settings import PlatformSettings


def install(app: FastAPI, settings: PlatformSettings) -> None:
    """Add the security middleware and the id bound. Call after every other middleware (so
    these run first) and before the routers are included."""
    from fastapi import Depends

    from huiqi.platform.security.csrf import CrossSiteGuard
    from huiqi.platform.security.guard import RequestGuard
    from huiqi.platform.security.headers import SecurityHeaders
    from huiqi.platform.security.ids import bounded_path_ids
    from huiqi.platform.security.proxies import TrustedProxies, set_trusted_proxies

    set_trusted_proxies(app, settings.trusted_proxies)
    proxies = TrustedProxies.parse(settings.trusted_proxies)
    # Starlette runs the last added first: headers wrap everything (errors included), then the
    # cross-site check refuses before a body is read, then the guard limits and checks the body.
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.upload_max_bytes,
        upload_limits_by_path={"/analyst/screening": settings.screening_upload_max_bytes},
    )
    app.add_middleware(CrossSiteGuard, proxies=proxies, public_origins=settings.public_origins)
    app.add_middleware(SecurityHeaders, proxies=proxies, cookie_mode=settings.cookie_secure)
    # before any router is included: FastAPI copies the app's dependencies into each route
    app.router.dependencies.append(Depends(bounded_path_ids))
