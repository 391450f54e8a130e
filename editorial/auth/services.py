"""Users, role grants and tokens: creating them, and turning a bearer token into a principal."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlmodel import Session

from editorial.auth.principal import Principal
from editorial.auth.schemas import USERNAME_PATTERN, RoleRef, UserRead, UserUpdate
from editorial.auth.secrets import hash_password, hash_token, new_token, split_token, token_matches
from editorial.db.models import ApiToken, Desk, RoleGrant, User
from editorial.lib.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from editorial.settings import get_settings


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def update_user(session: Session, user: User, data: UserUpdate) -> User:
    """Apply a partial update; a new password is hashed, never stored as given."""
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
    for key, value in changes.items():
        setattr(user, key, value)
    session.add(user)
    session.flush()
    return user


def grants_of(session: Session, user_id: int) -> list[RoleRef]:
    rows = session.execute(
        select(RoleGrant.role, RoleGrant.desk_id).where(RoleGrant.user_id == user_id).order_by(RoleGrant.id)
    )
    return [RoleRef(role=role, desk=desk) for role, desk in rows]


def principal_for(session: Session, user: User, scopes: Iterable[str] | None = None) -> Principal:
    assert user.id is not None
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        grants=tuple((g.role, g.desk) for g in grants_of(session, user.id)),
        scopes=frozenset(scopes) if scopes is not None else None,
    )


def user_read(session: Session, user: User) -> UserRead:
    assert user.id is not None
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        is_active=user.is_active,
        roles=grants_of(session, user.id),
        created_at=user.created_at,
    )


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    now: datetime,
    password: str | None = None,
    roles: Iterable[RoleRef] = (),
) -> User:
    """Create a user with its grants; 409 if the username is taken."""
    if not re.match(USERNAME_PATTERN, username):
        raise InvalidInput.field("username", "lower-case letters, digits, '.', '_' or '-', 2 to 64 long")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    for ref in roles:
        grant_role(session, user, ref)
    return user


def grant_role(session: Session, user: User, ref: RoleRef) -> None:
    """Grant ``ref`` to ``user``; granting a role already held is a no-op."""
    if ref.desk is not None and session.get(Desk, ref.desk) is None:
        raise InvalidInput.field("desk", f"unknown desk {ref.desk!r}")
    held = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == ref.role,
            RoleGrant.desk_id.is_(None) if ref.desk is None else RoleGrant.desk_id == ref.desk,
        )
    )
    if held is None:
        assert user.id is not None
        session.add(RoleGrant(user_id=user.id, role=ref.role, desk_id=ref.desk))
        session.flush()


def revoke_role(session: Session, user: User, role: str, desk: str | None) -> None:
    """Revoke ``role`` on ``desk`` (all desks when None); 404 unless the user holds exactly that grant.

    Takes plain strings, not a ``RoleRef``: they come from the URL, and an unknown role name is
    simply a grant the user does not hold.
    """
    grant = session.scalar(
        select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == role,
            RoleGrant.desk_id.is_(None) if desk is None else RoleGrant.desk_id == desk,
        )
    )
    if grant is None:
        raise NotFound(f"{user.username} does not hold {role} on {desk or 'all desks'}")
    session.delete(grant)
    session.flush()


def create_token(
    session: Session,
    user: User,
    *,
    now: datetime,
    name: str = "",
    expires_in_days: int | None = None,
    scopes: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token (limited to ``scopes`` if given); the secret is returned once and only its hash is kept."""
    assert user.id is not None
    secret, prefix = new_token(get_settings().token_prefix)
    token = ApiToken(
        user_id=user.id,
        prefix=prefix,
        token_hash=hash_token(secret),
        name=name,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        scopes=scopes,
    )
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(
    session: Session, prefix: str, *, now: datetime, user: User | None = None, scopes: list[str] | None = None
) -> ApiToken:
    """Revoke the token with this visible prefix (of ``user``, and limited to exactly ``scopes``, when given)."""
    query = select(ApiToken).where(ApiToken.prefix == prefix)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    token = session.scalar(query)
    if token is None or (scopes is not None and sorted(token.scopes or []) != sorted(scopes)):
        raise NotFound(f"no token {prefix!r}")
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        session.flush()
    return token


TOKEN_LOOKUP = (
    select(
        ApiToken.token_hash,
        ApiToken.revoked_at,
        ApiToken.expires_at,
        ApiToken.scopes,
        User.id.label("user_id"),
        User.username,
        User.display_name,
        User.is_active,
        RoleGrant.role,
        RoleGrant.desk_id,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
    .where(ApiToken.prefix == bindparam("prefix"))
    .order_by(RoleGrant.id)
)
"""A token, its user and the user's grants in one round trip: one row per grant (one with no grant)."""


def authenticate(session: Session, authorization: str | None, *, now: datetime) -> Principal:
    """The principal behind an ``Authorization: Bearer`` header, or 401 saying what is wrong."""
    if not authorization:
        raise NotAuthenticated("send Authorization: Bearer TOKEN")
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise NotAuthenticated("the Authorization header must be 'Bearer TOKEN'")
    return authenticate_token(session, secret, now=now)


def authenticate_token(session: Session, secret: str, *, now: datetime) -> Principal:
    """The principal behind a token's secret, or 401 saying what is wrong."""
    prefix = split_token(secret)
    rows = session.execute(TOKEN_LOOKUP, {"prefix": prefix}).all() if prefix else []
    if not rows or not token_matches(secret, rows[0].token_hash):
        raise NotAuthenticated("unknown token")
    found = rows[0]
    if found.revoked_at is not None:
        raise NotAuthenticated("this token was revoked")
    if found.expires_at is not None and found.expires_at <= now:
        raise NotAuthenticated("this token has expired")
    if not found.is_active:
        raise NotAuthenticated("this account is disabled")
    return Principal(
        user_id=found.user_id,
        username=found.username,
        display_name=found.display_name,
        grants=tuple((row.role, row.desk_id) for row in rows if row.role is not None),
        scopes=frozenset(found.scopes) if found.scopes is not None else None,
        expires_at=found.expires_at,
    )
