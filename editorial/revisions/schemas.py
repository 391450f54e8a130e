"""Response shapes for revisions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel


class RevisionSummary(SQLModel):
    number: int
    title: str
    saved_by: str
    saved_at: datetime
    message: str
    content_hash: str


class RevisionRead(RevisionSummary):
    dek: str
    body: str
    tags: list[str]
    authors: list[str]
