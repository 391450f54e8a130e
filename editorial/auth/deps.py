"""Who is calling: the guards that authenticate every API request, and the dependencies that name the caller.

Authentication and the admin check are guards, which run before any dependency is resolved: a refused
token must not leave the request's session dependency started. Litestar does not clean up the
dependencies it has resolved when a later one raises, and the session would hold its admission
slot until the garbage collector found it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from editorial.auth.cache import PrincipalCache
from editorial.auth.principal import Principal
from editorial.auth.scopes import CALENDAR_READ
from editorial.auth.services import authenticate, authenticate_token
from editorial.auth.throttle import TokenThrottle
from editorial.db import Database
from editorial.lib.clock import Clock
from editorial.lib.deps import Caller, DbSession
from editorial.lib.errors import NotAuthenticated, NotPermitted, TooManyRequests
from editorial.workflow import policy

Connection = ASGIConnection[Any, Any, Any, Any]
FEED_TOKEN = "feed_token"
"""A route's ``opt`` flag: it also accepts a calendar feed token in ``?token=`` (calendar clients send no headers)."""


def _authorization(connection: Connection) -> str | None:
    """The ``Authorization`` header, read from the raw headers (names are lower case in ASGI).

    Not ``connection.headers``: that parses every header into a multidict, on every API request,
    to read this one.
    """
    for name, value in connection.scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


def _look_up(db: Database, authorization: str | None, secret: str | None, now: datetime) -> Principal:
    """In a worker thread: the principal behind a bearer header, or else a feed token, in a session of its own."""
    with db.transaction(write=False) as session:
        if authorization:
            return authenticate(session, authorization, now=now)
        assert secret is not None
        return authenticate_token(session, secret, now=now)


async def authenticate_request(connection: Connection, handler: BaseRouteHandler) -> None:
    """Guard of every API route: the caller, from ``Authorization: Bearer`` (401, or 429 after many refusals).

    A token seen lately is answered from the process's cache on the event loop; only a miss goes
    to the database, in a worker thread. The caller becomes ``request.user``. (A guard rather than
    an authentication middleware: a guard's refusal goes through the route's exception handling,
    inside the middlewares that add the request id and count the response.)
    """
    if connection.scope["method"] == "OPTIONS":  # type: ignore[typeddict-item]
        return  # Litestar's own answer (the allowed methods); a preflight carries no credentials
    opt = handler.opt
    authorization = _authorization(connection)
    secret = connection.query_params.get("token") if opt.get(FEED_TOKEN) and not authorization else None
    if not authorization and not secret:
        if opt.get(FEED_TOKEN):
            raise NotAuthenticated("send Authorization: Bearer TOKEN, or ?token= with a calendar feed token")
        raise NotAuthenticated("send Authorization: Bearer TOKEN")
    state = connection.app.state
    clock: Clock = state.clock
    principals: PrincipalCache = state.principals
    throttle: TokenThrottle = state.token_throttle
    key, now = authorization or f"feed {secret}", clock.now()
    client = connection.scope.get("client")
    address = client[0] if client else "unknown"
    wait = throttle.retry_after(address, now)  # an address that failed too often is refused even a good token
    if wait is not None:
        raise TooManyRequests(f"too many refused tokens from this address; retry in {wait} s", retry_after=wait)
    principal = principals.get(key, now)
    if principal is None:
        generation = principals.generation()
        try:
            principal = await sync_to_thread(_look_up, state.db, authorization, secret, now)
        except NotAuthenticated:
            throttle.failed(address, now)  # only a token that was sent and refused counts
            raise
        principals.put(key, principal, now, generation)
    if secret and (principal.scopes is None or CALENDAR_READ not in principal.scopes):
        raise NotPermitted("only a calendar feed token may be sent in the query string; send API tokens as a header")
    scope = opt.get("scope")
    policy.may_use_token_here(principal, scope(connection) if callable(scope) else scope).require()
    connection.scope["user"] = principal


async def admin_only(connection: Connection, _: BaseRouteHandler) -> None:
    """Guard, after ``authenticate_request``: the caller must be an admin (403 otherwise)."""
    if connection.scope["method"] != "OPTIONS":  # type: ignore[typeddict-item]
        policy.may_administer(connection.user).require()


def provide_principal(request: Connection, db_session: DbSession) -> Principal:
    """The caller ``authenticate_request`` accepted.

    It takes ``db_session`` only to be resolved after it: dependencies that depend on nothing are
    resolved together in a task group, which costs more than a whole read's query.
    """
    principal: Principal = request.user
    return principal


def provide_admin(principal: Caller) -> Principal:
    """The caller, an admin (the ``admin_only`` guard has checked)."""
    return principal
