"""Headers every response carries: security headers, and a correct ``Allow`` on OPTIONS."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""For HTML: our own scripts and styles only, never inline ones; no framing."""

API_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.redoc.ly https://cdn.jsdelivr.net "
    "https://unpkg.com; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com https://cdn.jsdelivr.net "
    "https://unpkg.com; font-src https://fonts.gstatic.com; img-src 'self' data: https:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""Litestar's API reference pages (under ``/schema``) load their renderer from a CDN and start it inline.

They show only the OpenAPI document, which holds no user data, so nothing on them can inject a script.
"""

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: add what a response lacks (the web app sets its own, which are kept)."""
    if message["type"] != "http.response.start":
        return
    # The raw list rather than MutableScopeHeaders, whose every lookup decodes every header: this
    # runs on each response, and a few bytes comparisons are all it needs.
    headers = message["headers"] = [*message.get("headers", ())]
    present = {name.lower(): value for name, value in headers}
    headers.extend(header for header in ALWAYS if header[0] not in present)
    if b"content-security-policy" not in present and present.get(b"content-type", b"").startswith(b"text/html"):
        docs = scope.get("path", "").startswith("/schema")
        headers.append((b"content-security-policy", (API_DOCS_CSP if docs else STRICT_CSP).encode()))


def _allowed_methods(app: Litestar) -> dict[str, str]:
    """Each path template's methods, worked out once per app."""
    allowed: dict[str, str] | None = app.state.get("allowed_methods")
    if allowed is None:
        routes = (route for route in app.routes if isinstance(route, HTTPRoute))
        allowed = app.state["allowed_methods"] = {r.path_format: ", ".join(sorted(r.methods)) for r in routes}
    return allowed


async def correct_allow(message: Message, scope: Scope) -> None:
    """``before_send`` hook: answer OPTIONS with every method of the resource."""
    # Litestar's generated OPTIONS handler lists only the methods of the first handler registered on
    # a path when a controller declares several for it (/api/v1/desks said "OPTIONS, POST").
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    methods = _allowed_methods(scope["litestar_app"]).get(scope.get("path_template", ""))
    if methods:
        MutableScopeHeaders.from_message(message)["allow"] = methods
