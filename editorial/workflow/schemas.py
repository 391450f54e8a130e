"""Request and response shapes for workflow actions and definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel


class TransitionRequest(SQLModel):
    """What a transition may carry; which fields it needs is in its ``requires``."""

    comment: str | None = Field(default=None, max_length=5000)
    publish_at: datetime | None = Field(default=None, description="ISO 8601 with an offset or Z")
    unpublish_at: datetime | None = Field(default=None, description="ISO 8601 with an offset or Z")
    correction: str | None = Field(default=None, max_length=5000, description="public correction note")


class AvailableTransition(SQLModel):
    id: str
    title: str
    to: str
    requires: list[str]
    optional: list[str]


class UnavailableTransition(SQLModel):
    id: str
    title: str
    to: str
    reason: str


class WorkflowStatus(SQLModel):
    workflow: str
    state: str
    transitions: list[AvailableTransition]
    unavailable: list[UnavailableTransition] | None = None


class HistoryRead(SQLModel):
    id: int
    at: datetime
    actor: str
    transition: str
    from_state: str
    to_state: str
    comment: str
    correction: str | None
    revision: int


class WorklistItem(SQLModel):
    id: int
    slug: str
    desk: str
    state: str
    title: str
    authors: list[str]
    revision: int
    state_changed_at: datetime
    seconds_in_state: int
    transitions: list[str]


class BulkItem(TransitionRequest):
    article: int
    transition: str = Field(min_length=1, max_length=40)


class BulkRequest(SQLModel):
    items: list[BulkItem] = Field(min_length=1, max_length=100)


class BulkResult(SQLModel):
    article: int
    transition: str
    status: int
    article_state: str | None = None
    problem: dict[str, Any] | None = None


class BulkResponse(SQLModel):
    succeeded: int
    failed: int
    results: list[BulkResult]
