"""Security headers on every response: a Content-Security-Policy without inline script, and the usual others."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

# Only our own files: no inline <script>, no on…= handlers, no eval (htmx's hx-on and its eval are off too,
# see the htmx-config meta in base.html), no inline styles, no framing, forms post only to us.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before-send hook, so that every answer has them: pages, files, the API, error pages and 404s."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if scope.get("scheme") == "https":
        headers.setdefault("strict-transport-security", HSTS)
    if not scope["path"].startswith("/static/"):
        # Pages and files behind a sign-in are nobody's to keep: not in shared or browser caches.
        headers.setdefault("cache-control", "no-store")
