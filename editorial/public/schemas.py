"""What the public sees of an article: its live revision and nothing else."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel


class Correction(SQLModel):
    at: datetime
    note: str


class PublicSummary(SQLModel):
    slug: str
    desk: str
    title: str
    dek: str
    tags: list[str]
    authors: list[str]
    """Display names."""
    published_at: datetime
    revision: int


class PublicArticle(PublicSummary):
    body: str
    corrections: list[Correction]
