"""Dependencies that resolve the caller of a request."""

from __future__ import annotations

from litestar import Request
from sqlmodel import Session

from editorial.auth.principal import Principal
from editorial.auth.services import authenticate
from editorial.lib.clock import Clock
from editorial.workflow import policy


def provide_principal(request: Request, db_session: Session, clock: Clock) -> Principal:
    """The authenticated caller (401 when the bearer token is missing or not valid)."""
    return authenticate(db_session, request.headers.get("authorization"), now=clock.now())


def provide_admin(principal: Principal) -> Principal:
    """The caller, who must be an admin (403 otherwise)."""
    policy.may_administer(principal).require()
    return principal
