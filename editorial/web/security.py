"""Cookies, CSRF tokens and security headers for the web app.

The session cookie holds the secret of a web-session token (see ``sessions``). CSRF protection
is a double-submit token bound to the session: a random ``editorial_csrf`` cookie (HttpOnly)
seeds an HMAC of the session secret, which every form carries in ``_csrf`` and every HTMX request
in ``X-CSRF-Token``. A page on another site can neither read the cookies nor compute the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from editorial.lib.errors import NotPermitted

SESSION_COOKIE = "editorial_session"
CSRF_COOKIE = "editorial_csrf"
TZ_COOKIE = "editorial_tz"
COOKIE_PATH = "/app"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SEED = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_STATE_KEY = "editorial_csrf_seed"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class CSRFRefused(NotPermitted):
    """A form or HTMX request came without the token of this browser's session."""

    slug, title = "csrf", "The form could not be accepted"


def cookie(request: Request[Any, Any, Any], key: str, value: str, *, http_only: bool = True) -> Cookie:
    """A cookie for the web app: SameSite=Lax, HttpOnly, Secure when served over https."""
    return Cookie(
        key=key,
        value=value,
        path=COOKIE_PATH,
        httponly=http_only,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def expired(key: str) -> Cookie:
    return Cookie(key=key, value="", path=COOKIE_PATH, max_age=0, expires=0)


def csrf_seed(request: Request[Any, Any, Any]) -> str:
    """This browser's CSRF seed: its cookie, or the one the middleware is about to set."""
    return str(request.scope.get("state", {}).get(_STATE_KEY) or request.cookies.get(CSRF_COOKIE, ""))


def csrf_token(request: Request[Any, Any, Any], session_secret: str | None = None) -> str:
    """The token forms of this browser must carry: the seed's HMAC of the session secret."""
    secret = session_secret if session_secret is not None else request.cookies.get(SESSION_COOKIE, "")
    return hmac.new(csrf_seed(request).encode(), secret.encode(), hashlib.sha256).hexdigest()


async def require_csrf(request: Request[Any, Any, Any]) -> None:
    """``before_request``: refuse any unsafe request without this browser's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.content_type[0] in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    seed = request.cookies.get(CSRF_COOKIE, "")
    if not sent or not _SEED.match(seed) or not hmac.compare_digest(sent, csrf_token(request)):
        raise CSRFRefused("the form had expired or did not come from this site; reload the page and try again")


class WebMiddleware:
    """Security headers on every /app response; a CSRF seed cookie for browsers without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope)
        seed = request.cookies.get(CSRF_COOKIE, "")
        fresh = None if _SEED.match(seed) else secrets.token_urlsafe(32)
        if fresh:
            scope.setdefault("state", {})[_STATE_KEY] = fresh
        static = scope["path"].startswith(f"{COOKIE_PATH}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not static:
                    headers["cache-control"] = "no-store"
                if fresh:
                    headers.add("set-cookie", cookie(request, CSRF_COOKIE, fresh).to_header(header=""))
            await send(message)

        await self.app(scope, receive, send_with_headers)
