"""Firing what is due: exactly once, through the same transition path as a person, oldest first.

Due rows are claimed inside a write transaction: on PostgreSQL with ``SELECT ... FOR UPDATE SKIP
LOCKED``, so several scheduler processes share the work and never take the same article; on
SQLite the write transaction itself (``BEGIN IMMEDIATE``) serialises schedulers. Each article is
fired in its own savepoint, so one failure neither blocks nor undoes the others, and every firing
leaves a row in ``schedule_firings`` saying what happened and how late.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from editorial.auth.principal import SYSTEM
from editorial.db import Database
from editorial.db.models import Article, ScheduleFiring, SchedulerWorker
from editorial.lib.clock import Clock
from editorial.lib.errors import EditorialError
from editorial.settings import get_settings
from editorial.workflow import services as workflow
from editorial.workflow.schemas import TransitionRequest

PUBLISH, UNPUBLISH = "publish", "unpublish"
UNPUBLISH_COMMENT = "unpublish_at reached"


@dataclass(frozen=True, slots=True)
class Due:
    article_id: int
    action: str
    due_at: datetime
    attempts: int


def _ready(now: datetime) -> ColumnElement[bool]:
    return or_(Article.schedule_retry_at.is_(None), Article.schedule_retry_at <= now)


def _publish_due(now: datetime) -> ColumnElement[bool]:
    return and_(Article.state == "scheduled", Article.publish_at <= now, _ready(now))


def _unpublish_due(now: datetime) -> ColumnElement[bool]:
    return and_(Article.live_revision.is_not(None), Article.unpublish_at <= now, _ready(now))


def claim_due(session: Session, now: datetime, limit: int) -> list[Due]:
    """Lock up to ``limit`` due articles no other scheduler holds, oldest due first."""
    found: list[Due] = []
    for action, condition, due_column in (
        (PUBLISH, _publish_due(now), Article.publish_at),
        (UNPUBLISH, _unpublish_due(now), Article.unpublish_at),
    ):
        rows = session.execute(
            select(Article.id, due_column, Article.schedule_attempts)
            .where(condition)
            .order_by(due_column, Article.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Article)
        )
        found += [Due(article_id, action, due_at, attempts) for article_id, due_at, attempts in rows]
    return sorted(found, key=lambda d: (d.due_at, d.article_id))[:limit]


@dataclass(frozen=True, slots=True)
class Outcome:
    article_id: int
    action: str
    outcome: str
    lateness_seconds: float
    detail: str = ""


def fire_due(db: Database, clock: Clock, *, worker: str, dry_run: bool = False) -> list[Outcome]:
    """Fire everything due now, batch by batch, until nothing is due; returns what happened."""
    settings = get_settings()
    outcomes: list[Outcome] = []
    while True:
        with db.transaction() as session:
            batch = claim_due(session, clock.now(), settings.scheduler_batch)
            if dry_run:
                return [Outcome(d.article_id, d.action, "due", (clock.now() - d.due_at).total_seconds()) for d in batch]
            for due in batch:
                outcomes.append(_fire(session, due, clock, worker))
        if len(batch) < settings.scheduler_batch:
            return outcomes


def _fire(session: Session, due: Due, clock: Clock, worker: str) -> Outcome:
    settings = get_settings()
    now = clock.now()
    lateness = max((now - due.due_at).total_seconds(), 0.0)
    request = TransitionRequest(comment=UNPUBLISH_COMMENT) if due.action == UNPUBLISH else TransitionRequest()
    savepoint = session.begin_nested()
    try:
        workflow.transition(session, SYSTEM, due.article_id, due.action, request, now=now)
    except (EditorialError, SQLAlchemyError) as error:
        savepoint.rollback()
        outcome = "skipped" if isinstance(error, EditorialError) else "failed"
        detail = error.detail if isinstance(error, EditorialError) else f"{type(error).__name__}: {error}"[:2000]
        _back_off(session, due, now)
    else:
        savepoint.commit()
        outcome, detail = ("on_time" if lateness <= settings.scheduler_on_time_seconds else "late"), ""
    session.add(
        ScheduleFiring(
            article_id=due.article_id,
            action=due.action,
            due_at=due.due_at,
            fired_at=now,
            outcome=outcome,
            lateness_seconds=lateness,
            attempt=due.attempts + 1,
            detail=detail,
            worker=worker,
        )
    )
    session.flush()
    return Outcome(due.article_id, due.action, outcome, lateness, detail)


def _back_off(session: Session, due: Due, now: datetime) -> None:
    """Exponential back-off with jitter, so a failing article neither spins nor starves the rest."""
    settings = get_settings()
    article = session.get(Article, due.article_id)
    assert article is not None
    article.schedule_attempts = due.attempts + 1
    delay = min(settings.scheduler_retry_seconds * 2**due.attempts, settings.scheduler_retry_max_seconds)
    article.schedule_retry_at = now + timedelta(seconds=delay * random.uniform(0.8, 1.2))
    session.add(article)


def next_due_at(session: Session) -> datetime | None:
    """When something next falls due (counting back-offs), or None."""
    candidates = [
        session.scalar(select(func.min(func.coalesce(Article.schedule_retry_at, column))).where(condition))
        for column, condition in (
            (Article.publish_at, Article.state == "scheduled"),
            (Article.unpublish_at, and_(Article.live_revision.is_not(None), Article.unpublish_at.is_not(None))),
        )
    ]
    return min((c for c in candidates if c is not None), default=None)


def heartbeat(db: Database, worker: str, now: datetime, *, started_at: datetime) -> None:
    with db.transaction() as session:
        row = session.get(SchedulerWorker, worker)
        if row is None:
            session.add(SchedulerWorker(id=worker, started_at=started_at, heartbeat_at=now))
        else:
            row.heartbeat_at = now
            session.add(row)
