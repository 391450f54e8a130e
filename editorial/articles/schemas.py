"""Request and response shapes for articles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints, field_validator
from sqlmodel import Field, SQLModel

MAX_BODY = 2_000_000
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class ArticleContent(SQLModel):
    """The fields every revision carries."""

    title: str = Field(min_length=1, max_length=300)
    dek: str = Field(default="", max_length=2000)
    body: str = Field(max_length=MAX_BODY)
    tags: list[Tag] = Field(default_factory=list, max_length=50)

    @field_validator("tags")
    @classmethod
    def _dedupe_tags(cls, value: list[str]) -> list[str]:
        return _unique(value)


class ArticleCreate(ArticleContent):
    desk: str = Field(min_length=1, max_length=40)
    # Not ``regex=``: SQLModel passes it to pydantic 2, which ignores it; ``pattern`` is enforced.
    slug: str | None = Field(default=None, max_length=200, schema_extra={"pattern": SLUG_PATTERN})


class ArticleUpdate(SQLModel):
    """A save: any content field, plus an optional message. Unset fields keep their value."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    dek: str | None = Field(default=None, max_length=2000)
    body: str | None = Field(default=None, max_length=MAX_BODY)
    tags: list[Tag] | None = Field(default=None, max_length=50)
    authors: list[Username] | None = Field(default=None, min_length=1, max_length=20)
    message: str = Field(default="", max_length=1000)

    @field_validator("tags", "authors")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value)


class ArticleSummary(SQLModel):
    id: int
    slug: str
    desk: str
    state: str
    title: str
    dek: str
    tags: list[str]
    authors: list[str]
    revision: int
    live_revision: int | None
    signed_revision: int | None
    publish_at: datetime | None
    publish_at_local: datetime | None = None
    """``publish_at`` in the offset it was scheduled with."""
    unpublish_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ArticleRead(ArticleSummary):
    body: str


class MergeInfo(SQLModel):
    base: int
    """The revision the client edited."""
    head: int
    """The revision its edit was merged onto."""


class ArticleSaved(ArticleRead):
    """The article after a save; ``merged`` says a stale edit was merged onto a newer revision."""

    merged: MergeInfo | None = None
