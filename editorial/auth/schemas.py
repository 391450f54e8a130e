"""Request and response shapes for identity."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from editorial.auth.scopes import SCOPES
from editorial.workflow.model import ROLES

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"


class RoleRef(SQLModel):
    """A role, on one desk or (``desk`` null) on all desks."""

    role: str
    desk: str | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role; one of {', '.join(ROLES)}")
        return value


class MeRead(SQLModel):
    username: str
    display_name: str
    roles: list[RoleRef]


class UserBase(SQLModel):
    # Not ``regex=``: SQLModel passes it to pydantic 2, which ignores it; ``pattern`` is enforced.
    username: str = Field(schema_extra={"pattern": USERNAME_PATTERN})
    display_name: str = Field(min_length=1, max_length=120)


class UserCreate(UserBase):
    password: str | None = Field(default=None, min_length=8, max_length=200)
    roles: list[RoleRef] = Field(default_factory=list)


class UserUpdate(SQLModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    password: str | None = Field(default=None, min_length=8, max_length=200)
    is_active: bool | None = None


class UserRead(UserBase):
    id: int
    is_active: bool
    roles: list[RoleRef]
    created_at: datetime


class TokenCreate(SQLModel):
    name: str = Field(default="", max_length=120)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    scopes: list[str] | None = Field(default=None, description="limit the token to these scopes (service accounts)")

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(SCOPES))
        if unknown:
            raise ValueError(f"unknown scopes {', '.join(unknown)}; any of {', '.join(SCOPES)}")
        return None if value is None else sorted(set(value))


class TokenRead(SQLModel):
    prefix: str
    name: str
    scopes: list[str] | None = None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret; shown once, never stored.")
