"""Web sessions: signing in with a password, and the session behind a cookie.

A session is a row in ``api_tokens`` limited to the ``web:session`` scope: the cookie holds its
secret, the database only its hash. So a session is revoked server-side on sign-out, expires on
its own, shows on the admin's token list, and can never be used as an API token (the API refuses
a token whose scopes name none of its routes).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, select
from sqlmodel import Session

from editorial.auth import services as auth
from editorial.auth.principal import Principal
from editorial.auth.secrets import hash_password, split_token, token_matches, verify_password
from editorial.db.models import ApiToken, User
from editorial.lib.errors import EditorialError, NotAuthenticated
from editorial.web.throttle import LoginThrottle

WEB_SCOPE = "web:session"
SESSION_NAME = "web session"
SESSION_LIFETIME = timedelta(hours=12)
log = logging.getLogger("editorial.web")


class SignInRequired(EditorialError):
    """The page needs a signed-in person."""

    status, slug, title = 401, "sign-in-required", "Please sign in"


class SignInRefused(EditorialError):
    status, slug, title = 401, "sign-in-refused", "Sign-in refused"


class TooManyAttempts(EditorialError):
    status, slug, title = 429, "too-many-attempts", "Too many failed sign-ins"


@cache
def _dummy_hash() -> str:
    return hash_password("not anybody's password")


def sign_in(
    session: Session, throttle: LoginThrottle, username: str, password: str, *, address: str, now: datetime
) -> tuple[ApiToken, str]:
    """Check the password and open a session; returns the token row and the cookie's secret."""
    wait = throttle.locked_for(username, address, now)
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        plural = "s" if minutes != 1 else ""
        raise TooManyAttempts(
            f"Too many failed sign-ins for this account or from this address; try again in {minutes} minute{plural}."
        )
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    # A dummy hash for unknown users (and users without a password), so timing does not tell which names exist.
    stored = user.password_hash if user is not None else None
    matches = verify_password(stored or _dummy_hash(), password) and stored is not None
    if not matches or user is None or not user.is_active:
        throttle.failed(username, address, now)
        log.warning("failed sign-in for %r from %s", username[:64], address)
        raise SignInRefused("That username and password do not match an active account.")
    throttle.succeeded(username)
    _forget_old_sessions(session, user, now)
    token, secret = auth.create_token(session, user, now=now, name=SESSION_NAME, scopes=[WEB_SCOPE])
    token.expires_at = now + SESSION_LIFETIME
    session.add(token)
    session.flush()
    return token, secret


def _forget_old_sessions(session: Session, user: User, now: datetime) -> None:
    """Delete this user's web sessions that ended more than a day ago (they pile up otherwise)."""
    ended = now - timedelta(days=1)
    session.execute(
        delete(ApiToken).where(
            ApiToken.user_id == user.id,
            ApiToken.name == SESSION_NAME,
            (ApiToken.expires_at < ended) | (ApiToken.revoked_at < ended),
        )
    )


def viewer_of(session: Session, secret: str | None, *, now: datetime) -> Principal:
    """The person behind a session cookie; ``SignInRequired`` if there is none or it ended."""
    if not secret:
        raise SignInRequired("Sign in to continue.")
    try:
        principal = auth.authenticate_token(session, secret, now=now)
    except NotAuthenticated:
        raise SignInRequired("Your session has ended; sign in again.") from None
    if principal.scopes != frozenset({WEB_SCOPE}):
        raise SignInRequired("Sign in to continue.")
    return principal


def sign_out(session: Session, secret: str | None, *, now: datetime) -> None:
    """Revoke the session behind the cookie, if it is one."""
    prefix = split_token(secret or "")
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix)) if prefix else None
    if token is not None and token.name == SESSION_NAME and token_matches(secret or "", token.token_hash):
        token.revoked_at = now
        session.add(token)
