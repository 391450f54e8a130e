"""``/app/users``: the admin's screens for users, role grants and tokens."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from editorial.auth.schemas import UserRead
from editorial.auth.scopes import SCOPES
from editorial.lib.deps import AppClock, DbSession
from editorial.web import accounts
from editorial.web.accounts import FormResult
from editorial.web.deps import SignedIn, Viewer
from editorial.web.rendering import render
from editorial.workflow import policy
from editorial.workflow.model import ROLES

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AdminViewer = NamedDependency[Viewer]


def provide_admin_viewer(viewer: SignedIn) -> Viewer:
    """The viewer, who must be an admin (403 otherwise)."""
    policy.may_administer(viewer.principal).require()
    return viewer


def _people(request: Request[Any, Any, Any], admin: Viewer, users: list[UserRead], **context: Any) -> Template:
    defaults: dict[str, Any] = {"result": FormResult(), "typed": {}}
    context = defaults | context
    return render(request, admin, "users.html", status=context["result"].status, users=users, roles=ROLES, **context)


def _account(
    request: Request[Any, Any, Any], admin: Viewer, db_session: DbSession, username: str, **context: Any
) -> Template:
    user, tokens = accounts.account(db_session, username)
    partial = request.headers.get("hx-target") == "roles"
    context = {"result": FormResult(), "token_result": FormResult(), "secret": None, "typed": {}} | context
    return render(
        request,
        admin,
        "_roles.html" if partial else "user.html",
        status=max(context["result"].status, context["token_result"].status),
        user=user,
        tokens=tokens,
        roles=ROLES,
        scopes=SCOPES,
        **context,
    )


class UserController(Controller):
    path = "/users"
    dependencies = {"admin": Provide(provide_admin_viewer, sync_to_thread=False)}

    @get(sync_to_thread=True)
    def users(self, request: Request[Any, Any, Any], admin: AdminViewer, db_session: DbSession) -> Template:
        """Every user with their roles, and the form that creates one."""
        return _people(request, admin, accounts.everyone(db_session))

    @post(sync_to_thread=True)
    def create_user(
        self, request: Request[Any, Any, Any], admin: AdminViewer, db_session: DbSession, clock: AppClock, data: Form
    ) -> Template | Redirect:
        """Create a user; the form comes back as typed (but the password) when something is wrong."""
        result = accounts.create_user(db_session, data, clock.now())
        if not result.ok:
            typed = {k: v for k, v in data.items() if k != "password" and isinstance(v, str)}
            return _people(request, admin, accounts.everyone(db_session), result=result, typed=typed)
        return Redirect(f"/app/users/{str(data['username']).strip()}", status_code=303)

    @get("/{username:str}", sync_to_thread=True)
    def user(
        self, request: Request[Any, Any, Any], admin: AdminViewer, db_session: DbSession, username: FromPath[str]
    ) -> Template:
        """One user: roles to grant and revoke, tokens to issue and revoke."""
        return _account(request, admin, db_session, username)

    @post("/{username:str}/roles", sync_to_thread=True)
    def grant(
        self,
        request: Request[Any, Any, Any],
        admin: AdminViewer,
        db_session: DbSession,
        username: FromPath[str],
        data: Form,
    ) -> Template:
        """Grant a role, on one desk or all."""
        return _account(request, admin, db_session, username, result=accounts.grant(db_session, username, data))

    @post("/{username:str}/roles/revoke", sync_to_thread=True)
    def revoke(
        self,
        request: Request[Any, Any, Any],
        admin: AdminViewer,
        db_session: DbSession,
        username: FromPath[str],
        data: Form,
    ) -> Template:
        """Revoke a role grant."""
        return _account(request, admin, db_session, username, result=accounts.revoke(db_session, username, data))

    @post("/{username:str}/tokens", sync_to_thread=True)
    def issue_token(
        self,
        request: Request[Any, Any, Any],
        admin: AdminViewer,
        db_session: DbSession,
        clock: AppClock,
        username: FromPath[str],
        data: Form,
    ) -> Template:
        """Issue a token and show its secret, this once."""
        result, secret = accounts.issue_token(db_session, username, data, clock.now())
        typed = {} if result.ok else accounts.typed_token_form(data)
        return _account(request, admin, db_session, username, token_result=result, secret=secret, typed=typed)

    @post("/{username:str}/tokens/{prefix:str}/revoke", sync_to_thread=True)
    def revoke_token(
        self,
        admin: AdminViewer,
        db_session: DbSession,
        clock: AppClock,
        username: FromPath[str],
        prefix: FromPath[str],
    ) -> Redirect:
        """Revoke a token (web sessions too)."""
        accounts.revoke_token(db_session, username, prefix, clock.now())
        return Redirect(f"/app/users/{username}", status_code=303)
