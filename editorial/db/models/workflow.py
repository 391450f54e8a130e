"""The append-only workflow history of each article."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from editorial.db.types import UTCDateTime


class HistoryEntry(SQLModel, table=True):
    """One transition taken: who, when, from where to where, on which revision."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_article_id_id", "article_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(sa_column=Column(Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False))
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True))
    transition: str = Field(max_length=40)
    from_state: str = Field(max_length=32)
    to_state: str = Field(max_length=32)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    correction: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    revision: int
