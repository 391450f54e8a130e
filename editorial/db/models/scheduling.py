"""What the scheduler did, and which scheduler processes are alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from editorial.db.types import UTCDateTime


class ScheduleFiring(SQLModel, table=True):
    """One attempt by the scheduler to publish or unpublish an article when it fell due."""

    __tablename__ = "schedule_firings"
    __table_args__ = (
        Index("ix_schedule_firings_fired_at", "fired_at"),
        Index("ix_schedule_firings_article_id_id", "article_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(sa_column=Column(Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False))
    action: str = Field(max_length=20)
    """publish or unpublish"""
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    fired_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    outcome: str = Field(max_length=20)
    """on_time, late, failed or skipped"""
    lateness_seconds: float
    attempt: int = 1
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    worker: str = Field(max_length=120)


class SchedulerWorker(SQLModel, table=True):
    """A scheduler process and when it last reported in."""

    __tablename__ = "scheduler_workers"

    id: str = Field(primary_key=True, max_length=120)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
