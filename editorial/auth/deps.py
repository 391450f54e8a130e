"""Dependencies that resolve the caller of a request."""

from __future__ import annotations

from litestar import Request

from editorial.auth.principal import Principal
from editorial.auth.scopes import CALENDAR_READ
from editorial.auth.services import authenticate, authenticate_token
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.lib.errors import NotAuthenticated, NotPermitted
from editorial.workflow import policy


def provide_principal(request: Request, db_session: DbSession, clock: AppClock) -> Principal:
    """The authenticated caller (401 when the bearer token is missing or not valid)."""
    principal = authenticate(db_session, request.headers.get("authorization"), now=clock.now())
    scope = request.route_handler.opt.get("scope")
    policy.may_use_token_here(principal, scope(request) if callable(scope) else scope).require()
    return principal


def provide_feed_principal(request: Request, db_session: DbSession, clock: AppClock) -> Principal:
    """For calendar clients, which cannot send headers: a bearer token, or a feed token in ``?token=``."""
    if request.headers.get("authorization"):
        return provide_principal(request, db_session, clock)
    secret = request.query_params.get("token")
    if not secret:
        raise NotAuthenticated("send Authorization: Bearer TOKEN, or ?token= with a calendar feed token")
    principal = authenticate_token(db_session, secret, now=clock.now())
    if principal.scopes is None or CALENDAR_READ not in principal.scopes:
        raise NotPermitted("only a calendar feed token may be sent in the query string; send API tokens as a header")
    return principal


def provide_admin(principal: Caller) -> Principal:
    """The caller, who must be an admin (403 otherwise)."""
    policy.may_administer(principal).require()
    return principal
