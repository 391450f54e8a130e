"""``/api/v1/me`` and the admin's ``/api/v1/users``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from editorial.auth import services
from editorial.auth.deps import admin_only, provide_admin
from editorial.auth.schemas import (
    MeRead,
    RoleRef,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from editorial.auth.scopes import ARTICLES_READ
from editorial.lib.deps import Admin, AppClock, Caller, DbSession


class MeController(Controller):
    path = "/me"
    tags = ["identity"]

    @get(sync_to_thread=False, opt={"scope": ARTICLES_READ})
    def me(self, principal: Caller) -> MeRead:
        """Who the caller is, and the roles it holds."""
        return MeRead(
            username=principal.username,
            display_name=principal.display_name,
            roles=[RoleRef(role=role, desk=desk) for role, desk in principal.grants],
        )


class UserController(Controller):
    path = "/users"
    tags = ["identity"]
    guards = [admin_only]
    dependencies = {"admin": Provide(provide_admin, sync_to_thread=False)}

    @get(sync_to_thread=True)
    def list_users(self, admin: Admin, db_session: DbSession) -> list[UserRead]:
        """Every user, with their roles."""
        return [services.user_read(db_session, user) for user in services.list_users(db_session)]

    @post(sync_to_thread=True)
    def create_user(self, admin: Admin, db_session: DbSession, clock: AppClock, data: JSONBody[UserCreate]) -> UserRead:
        """Create a user, with roles."""
        user = services.create_user(
            db_session,
            username=data.username,
            display_name=data.display_name,
            password=data.password,
            roles=data.roles,
            now=clock.now(),
        )
        return services.user_read(db_session, user)

    @get("/{username:str}", sync_to_thread=True)
    def get_user(self, admin: Admin, db_session: DbSession, username: FromPath[str]) -> UserRead:
        """One user, with roles."""
        return services.user_read(db_session, services.get_user(db_session, username))

    @patch("/{username:str}", sync_to_thread=True)
    def update_user(
        self, admin: Admin, db_session: DbSession, username: FromPath[str], data: JSONBody[UserUpdate]
    ) -> UserRead:
        """Change a user's name, password or active flag."""
        user = services.update_user(db_session, services.get_user(db_session, username), data)
        return services.user_read(db_session, user)

    @post("/{username:str}/roles", sync_to_thread=True)
    def grant(self, admin: Admin, db_session: DbSession, username: FromPath[str], data: JSONBody[RoleRef]) -> UserRead:
        """Grant a role, globally or on one desk."""
        user = services.get_user(db_session, username)
        services.grant_role(db_session, user, data)
        return services.user_read(db_session, user)

    @delete("/{username:str}/roles/{role:str}", sync_to_thread=True, status_code=200)
    def revoke(
        self,
        admin: Admin,
        db_session: DbSession,
        username: FromPath[str],
        role: FromPath[str],
        desk: Annotated[str | None, QueryParameter(description="the desk; omit for a global grant")] = None,
    ) -> UserRead:
        """Revoke a role (``?desk=`` for a desk grant)."""
        user = services.get_user(db_session, username)
        services.revoke_role(db_session, user, role, desk)
        return services.user_read(db_session, user)

    @get("/{username:str}/tokens", sync_to_thread=True)
    def list_tokens(self, admin: Admin, db_session: DbSession, username: FromPath[str]) -> list[TokenRead]:
        """A user's tokens (prefixes only; secrets are never stored)."""
        user = services.get_user(db_session, username)
        return [TokenRead.model_validate(t, from_attributes=True) for t in services.list_tokens(db_session, user)]

    @post("/{username:str}/tokens", sync_to_thread=True)
    def create_token(
        self, admin: Admin, db_session: DbSession, clock: AppClock, username: FromPath[str], data: JSONBody[TokenCreate]
    ) -> TokenCreated:
        """Issue a token; the response is the only time its secret is shown."""
        user = services.get_user(db_session, username)
        token, secret = services.create_token(
            db_session, user, now=clock.now(), name=data.name, expires_in_days=data.expires_in_days, scopes=data.scopes
        )
        return TokenCreated(**TokenRead.model_validate(token, from_attributes=True).model_dump(), token=secret)

    @delete("/{username:str}/tokens/{prefix:str}", sync_to_thread=True, status_code=200)
    def revoke_token(
        self, admin: Admin, db_session: DbSession, clock: AppClock, username: FromPath[str], prefix: FromPath[str]
    ) -> TokenRead:
        """Revoke a token by its prefix."""
        user = services.get_user(db_session, username)
        token = services.revoke_token(db_session, prefix, now=clock.now(), user=user)
        return TokenRead.model_validate(token, from_attributes=True)
