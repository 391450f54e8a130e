"""Response shapes for the schedule and the scheduler's health."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel


class ScheduledItem(SQLModel):
    article: int
    slug: str
    desk: str
    title: str
    state: str
    action: str
    """publish or unpublish"""
    due_at: datetime
    due_at_local: datetime | None


class FiringRead(SQLModel):
    article: int
    action: str
    due_at: datetime
    fired_at: datetime
    outcome: str
    lateness_seconds: float
    attempt: int
    detail: str
    worker: str


class ScheduleRead(SQLModel):
    upcoming: list[ScheduledItem]
    recent: list[FiringRead]


class WorkerRead(SQLModel):
    worker: str
    started_at: datetime
    heartbeat_at: datetime
    alive: bool


class SchedulerHealth(SQLModel):
    healthy: bool
    overdue: int
    oldest_overdue_article: int | None
    oldest_overdue_seconds: float | None
    lateness_p50_seconds: float | None
    lateness_p99_seconds: float | None
    firings_measured: int
    failures_last_hour: int
    workers: list[WorkerRead]


class FeedToken(SQLModel):
    prefix: str
    token: str
    url: str
    """Where a calendar client subscribes (the token is in the query string)."""
