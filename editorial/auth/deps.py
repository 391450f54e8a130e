"""Dependencies that resolve the caller of a request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Request
from litestar.concurrency import sync_to_thread

from editorial.auth.cache import PrincipalCache
from editorial.auth.principal import Principal
from editorial.auth.scopes import CALENDAR_READ
from editorial.auth.services import authenticate, authenticate_token
from editorial.auth.throttle import TokenThrottle
from editorial.lib.clock import Clock
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.lib.errors import NotAuthenticated, NotPermitted, TooManyRequests
from editorial.workflow import policy


@contextmanager
def _throttled(request: Request, clock: Clock) -> Iterator[None]:
    """Refuse an address that failed too often (429); count each token this block refuses."""
    throttle: TokenThrottle = request.app.state.token_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(address, clock.now())
    if wait is not None:
        raise TooManyRequests(f"too many refused tokens from this address; retry in {wait} s", retry_after=wait)
    try:
        yield
    except NotAuthenticated:
        throttle.failed(address, clock.now())
        raise


async def provide_principal(request: Request, db_session: DbSession) -> Principal:
    """The authenticated caller (401 when the bearer token is missing or not valid, 429 after many).

    A token seen lately is answered from the process's cache, on the event loop; only a miss
    goes to the database, in a worker thread.
    """
    authorization = request.headers.get("authorization")
    if not authorization:
        raise NotAuthenticated("send Authorization: Bearer TOKEN")
    principals: PrincipalCache = request.app.state.principals
    # The clock from the app's state rather than as a dependency: two dependencies with none of
    # their own would be resolved in a task group, which costs more than this whole lookup.
    clock: Clock = request.app.state.clock
    now = clock.now()
    with _throttled(request, clock):
        principal = principals.get(authorization, now)
        if principal is None:
            generation = principals.generation()
            principal = await sync_to_thread(authenticate, db_session, authorization, now=now)
            principals.put(authorization, principal, now, generation)
    scope = request.route_handler.opt.get("scope")
    policy.may_use_token_here(principal, scope(request) if callable(scope) else scope).require()
    return principal


async def provide_feed_principal(request: Request, db_session: DbSession, clock: AppClock) -> Principal:
    """For calendar clients, which cannot send headers: a bearer token, or a feed token in ``?token=``."""
    if request.headers.get("authorization"):
        return await provide_principal(request, db_session)
    secret = request.query_params.get("token")
    if not secret:
        raise NotAuthenticated("send Authorization: Bearer TOKEN, or ?token= with a calendar feed token")
    with _throttled(request, clock):
        principal = await sync_to_thread(authenticate_token, db_session, secret, now=clock.now())
    if principal.scopes is None or CALENDAR_READ not in principal.scopes:
        raise NotPermitted("only a calendar feed token may be sent in the query string; send API tokens as a header")
    return principal


def provide_admin(principal: Caller) -> Principal:
    """The caller, who must be an admin (403 otherwise)."""
    policy.may_administer(principal).require()
    return principal
