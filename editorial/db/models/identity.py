"""Principals: desks, users, role grants and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from editorial.db.types import JSONType, UTCDateTime


class Desk(SQLModel, table=True):
    """A section with its own workflow (Plone's placeful workflow)."""

    __tablename__ = "desks"

    id: str = Field(primary_key=True, max_length=40)
    title: str = Field(max_length=120)
    workflow: str = Field(max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class User(SQLModel, table=True):
    """A person or a service account."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class RoleGrant(SQLModel, table=True):
    """A role held globally (``desk_id`` null) or on one desk (Plone's local roles)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "desk_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    role: str = Field(max_length=32)
    desk_id: str | None = Field(
        default=None, sa_column=Column(String(40), ForeignKey("desks.id", ondelete="CASCADE"), nullable=True)
    )


class ApiToken(SQLModel, table=True):
    """A bearer token, stored only as a SHA-256 hash beside its visible prefix."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    prefix: str = Field(max_length=32, unique=True)
    token_hash: str = Field(max_length=64)
    name: str = Field(default="", max_length=120)
    scopes: list[str] | None = Field(default=None, sa_type=JSONType)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
