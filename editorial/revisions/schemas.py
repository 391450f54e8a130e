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


class DiffSide(SQLModel):
    """One end of a diff: which revision, and who wrote it."""

    revision: int
    saved_by: str
    saved_at: datetime
    message: str


class FieldDiff(SQLModel):
    changed: bool
    ops: list[tuple[int, str]]
    """``[op, text]`` pairs: 0 equal, 1 inserted, -1 deleted."""


class DiffStats(SQLModel):
    words_added: int
    words_removed: int
    fields_changed: int


class DiffRead(SQLModel):
    article: int
    granularity: str
    old: DiffSide
    """The ``from`` revision."""
    new: DiffSide
    """The ``to`` revision."""
    coarsened: bool
    """The time budget cut the search short: the diff is exact but may be less minimal."""
    fields: dict[str, FieldDiff]
    stats: DiffStats
