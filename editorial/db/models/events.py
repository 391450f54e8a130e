"""The outbox: every change as an event, numbered in commit order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from editorial.db.types import JSONType, UTCDateTime


class Event(SQLModel, table=True):
    """One change to an article, written in the same transaction as the change.

    ``seq`` is assigned just before commit under a lock on ``event_sequence``, so it follows commit
    order: a reader that has seen ``seq`` N will never later find a new event below N.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_seq", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    type: str = Field(max_length=40)
    article_id: int = Field(sa_column=Column(Integer, nullable=False))
    """Not a foreign key: the log outlives what it describes."""
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class EventSequence(SQLModel, table=True):
    """A single row: the last ``seq`` handed out (its row lock orders event-writing commits)."""

    __tablename__ = "event_sequence"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
