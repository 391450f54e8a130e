"""The admin's forms: users, role grants and tokens, validated by the API's own schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from editorial.auth import services as auth
from editorial.auth.schemas import RoleRef, TokenCreate, UserCreate, UserRead
from editorial.db.models import ApiToken
from editorial.lib.errors import EditorialError, InvalidInput


@dataclass(slots=True)
class FormResult:
    """Errors to show beside the form's fields, or a problem for the whole form."""

    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    status: int = 200

    @property
    def ok(self) -> bool:
        return not self.errors and self.problem is None


def _from_validation(error: ValidationError) -> FormResult:
    return FormResult(errors={str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in error.errors()}, status=422)


def _from_error(error: EditorialError) -> FormResult:
    listed = error.extra.get("errors", []) if isinstance(error, InvalidInput) else []
    errors = {e["field"]: e["message"] for e in listed}
    return FormResult(errors=errors, problem=None if errors else error.detail, status=error.status)


def _run(session: Session, action: Any) -> FormResult:
    savepoint = session.begin_nested()
    try:
        action()
    except ValidationError as error:
        savepoint.rollback()
        return _from_validation(error)
    except EditorialError as error:
        savepoint.rollback()
        return _from_error(error)
    savepoint.commit()
    return FormResult()


def role_ref(data: dict[str, Any]) -> RoleRef:
    return RoleRef(role=str(data.get("role", "")), desk=str(data.get("desk") or "") or None)


def create_user(session: Session, data: dict[str, Any], now: datetime) -> FormResult:
    """Create a user with one first role (more are granted on the user's page)."""

    def action() -> None:
        roles = [role_ref(data)] if data.get("role") else []
        user = UserCreate(
            username=str(data.get("username", "")).strip(),
            display_name=str(data.get("display_name", "")).strip(),
            password=str(data.get("password", "")) or None,
            roles=roles,
        )
        auth.create_user(
            session,
            username=user.username,
            display_name=user.display_name,
            password=user.password,
            roles=user.roles,
            now=now,
        )

    return _run(session, action)


def grant(session: Session, username: str, data: dict[str, Any]) -> FormResult:
    return _run(session, lambda: auth.grant_role(session, auth.get_user(session, username), role_ref(data)))


def revoke(session: Session, username: str, data: dict[str, Any]) -> FormResult:
    user = auth.get_user(session, username)
    return _run(
        session, lambda: auth.revoke_role(session, user, str(data.get("role", "")), str(data.get("desk") or "") or None)
    )


def issue_token(session: Session, username: str, data: dict[str, Any], now: datetime) -> tuple[FormResult, str | None]:
    """Issue an API token; the secret is returned once, to be shown once."""
    secret: list[str] = []

    def action() -> None:
        scopes = data.get("scopes")
        scopes = [scopes] if isinstance(scopes, str) else scopes
        days = str(data.get("expires_in_days") or "").strip()
        request = TokenCreate.model_validate(
            {"name": str(data.get("name", "")), "expires_in_days": days or None, "scopes": scopes or None}
        )
        _, made = auth.create_token(
            session,
            auth.get_user(session, username),
            now=now,
            name=request.name,
            expires_in_days=request.expires_in_days,
            scopes=request.scopes,
        )
        secret.append(made)

    result = _run(session, action)
    return result, secret[0] if secret else None


def typed_token_form(data: dict[str, Any]) -> dict[str, Any]:
    """The token form as typed, to show again: name, days and the scopes ticked."""
    scopes = data.get("scopes")
    return {
        "name": _text(data.get("name")),
        "expires_in_days": _text(data.get("expires_in_days")),
        "scopes": [scopes] if isinstance(scopes, str) else [s for s in scopes or [] if isinstance(s, str)],
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def revoke_token(session: Session, username: str, prefix: str, now: datetime) -> None:
    auth.revoke_token(session, prefix, now=now, user=auth.get_user(session, username))


def account(session: Session, username: str) -> tuple[UserRead, list[ApiToken]]:
    user = auth.get_user(session, username)
    return auth.user_read(session, user), auth.list_tokens(session, user)


def everyone(session: Session) -> list[UserRead]:
    return [auth.user_read(session, user) for user in auth.list_users(session)]
