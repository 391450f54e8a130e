"""Dependencies that resolve the caller of a request."""

from __future__ import annotations

from litestar import Request

from editorial.auth.principal import Principal
from editorial.auth.services import authenticate
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.workflow import policy


def provide_principal(request: Request, db_session: DbSession, clock: AppClock) -> Principal:
    """The authenticated caller (401 when the bearer token is missing or not valid)."""
    return authenticate(db_session, request.headers.get("authorization"), now=clock.now())


def provide_admin(principal: Caller) -> Principal:
    """The caller, who must be an admin (403 otherwise)."""
    policy.may_administer(principal).require()
    return principal
