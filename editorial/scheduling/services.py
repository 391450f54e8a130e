"""Firing what is due: exactly once, through the same transition path as a person, oldest first.

Due rows are claimed inside a write transaction: on PostgreSQL with ``SELECT ... FOR UPDATE SKIP
LOCKED``, so several scheduler processes share the work and never take the same article; on
SQLite the write transaction itself (``BEGIN IMMEDIATE``) serialises schedulers. The claim loads
the batch; each article goes through the workflow's ``take`` as the system, and the batch is
written in a few statements. If one article is refused or fails, the batch is rolled back and
fired again one savepoint per article, so one failure neither blocks nor undoes the others. Every
firing leaves a row in ``schedule_firings`` saying what happened and how late.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from editorial.articles import reading
from editorial.auth.principal import SYSTEM
from editorial.db import Database
from editorial.db.models import Article, Desk, ScheduleFiring, SchedulerWorker
from editorial.db.models.articles import SCHEDULED
from editorial.lib.clock import Clock
from editorial.lib.errors import EditorialError
from editorial.settings import get_settings
from editorial.workflow import services as workflow_services
from editorial.workflow.registry import get_workflow
from editorial.workflow.schemas import TransitionRequest

PUBLISH, UNPUBLISH = "publish", "unpublish"
UNPUBLISH_COMMENT = "unpublish_at reached"


@dataclass(frozen=True, slots=True)
class Due:
    article: Article
    workflow_id: str
    action: str
    due_at: datetime
    attempts: int

    @property
    def article_id(self) -> int:
        assert self.article.id is not None
        return self.article.id


def _ready(now: datetime) -> ColumnElement[bool]:
    return or_(Article.schedule_retry_at.is_(None), Article.schedule_retry_at <= now)


def _publish_due(now: datetime) -> ColumnElement[bool]:
    return and_(SCHEDULED, Article.publish_at <= now, _ready(now))


def _unpublish_due(now: datetime) -> ColumnElement[bool]:
    return and_(Article.live_revision.is_not(None), Article.unpublish_at <= now, _ready(now))


def claim_due(session: Session, now: datetime, limit: int) -> list[Due]:
    """Lock and load up to ``limit`` due articles no other scheduler holds, oldest due first."""
    found: list[Due] = []
    for action, condition, due_column in (
        (PUBLISH, _publish_due(now), Article.publish_at),
        (UNPUBLISH, _unpublish_due(now), Article.unpublish_at),
    ):
        # Ordered by the due time alone, which its index gives in order: a tiebreak on id would make
        # every claim read and sort the whole backlog (7 ms a claim at 5,000 due at one instant).
        rows = session.execute(
            select(Article, Desk.workflow, due_column, Article.schedule_attempts)
            .join(Desk, Desk.id == Article.desk_id)
            .where(condition)
            .order_by(due_column)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Article)
        )
        found += [Due(article, workflow, action, due_at, attempts) for article, workflow, due_at, attempts in rows]
    return sorted(found, key=lambda d: (d.due_at, d.article_id))[:limit]


@dataclass(frozen=True, slots=True)
class Outcome:
    article_id: int
    action: str
    outcome: str
    lateness_seconds: float
    detail: str = ""


def fire_due(
    db: Database,
    clock: Clock,
    *,
    worker: str,
    dry_run: bool = False,
    between_batches: Callable[[], object] | None = None,
) -> list[Outcome]:
    """Fire everything due now, batch by batch, until nothing is due; returns what happened."""
    limit = get_settings().scheduler_batch
    if dry_run:
        with db.transaction() as session:
            batch = claim_due(session, clock.now(), limit)
            now = clock.now()
            return [Outcome(d.article_id, d.action, "due", (now - d.due_at).total_seconds()) for d in batch]
    outcomes: list[Outcome] = []
    while True:
        try:
            claimed, fired = _fire_batch(db, clock, worker, limit, one_by_one=False)
        except (EditorialError, SQLAlchemyError):
            # Something in the batch was refused or failed, and the batch's transaction went with
            # it: claim again and fire each article in a savepoint, so only that one's attempt fails.
            claimed, fired = _fire_batch(db, clock, worker, limit, one_by_one=True)
        outcomes += fired
        if claimed < limit:
            return outcomes
        if between_batches is not None:
            between_batches()


def _fire_batch(db: Database, clock: Clock, worker: str, limit: int, *, one_by_one: bool) -> tuple[int, list[Outcome]]:
    """One transaction: claim a batch and fire it, together (fast) or each in a savepoint (after a failure)."""
    with db.transaction() as session:
        batch = claim_due(session, clock.now(), limit)
        fired = [(_fire_alone if one_by_one else _fire)(session, due, clock.now()) for due in batch]
        if fired:  # plain rows, one multi-row INSERT: nothing reads them back
            records = [_record(due, outcome, now, worker) for due, (outcome, now) in zip(batch, fired, strict=True)]
            session.execute(insert(ScheduleFiring), records)
    return len(batch), [outcome for outcome, _ in fired]


def _take(session: Session, due: Due, now: datetime) -> None:
    """The transition a person would take, as the principal ``system``, on the article already locked."""
    workflow = get_workflow(due.workflow_id)
    loaded = reading.Loaded(due.article, workflow, reading.subject_of(due.article, workflow, is_author=False))
    request = TransitionRequest(comment=UNPUBLISH_COMMENT) if due.action == UNPUBLISH else TransitionRequest()
    workflow_services.take(session, SYSTEM, loaded, due.action, request, now=now)


def _lateness(due: Due, now: datetime) -> float:
    return max((now - due.due_at).total_seconds(), 0.0)


def _done(due: Due, now: datetime) -> Outcome:
    lateness = _lateness(due, now)
    outcome = "on_time" if lateness <= get_settings().scheduler_on_time_seconds else "late"
    return Outcome(due.article_id, due.action, outcome, lateness)


def _fire(session: Session, due: Due, now: datetime) -> tuple[Outcome, datetime]:
    _take(session, due, now)
    return _done(due, now), now


def _fire_alone(session: Session, due: Due, now: datetime) -> tuple[Outcome, datetime]:
    savepoint = session.begin_nested()
    try:
        _take(session, due, now)
        session.flush()  # a database error belongs to this article: surface it inside its savepoint
    except (EditorialError, SQLAlchemyError) as error:
        savepoint.rollback()
        outcome = "skipped" if isinstance(error, EditorialError) else "failed"
        detail = error.detail if isinstance(error, EditorialError) else f"{type(error).__name__}: {error}"[:2000]
        _back_off(session, due, now)
        session.flush()  # outside the savepoints, so a later article's rollback cannot undo it
        return Outcome(due.article_id, due.action, outcome, _lateness(due, now), detail), now
    savepoint.commit()
    return _done(due, now), now


def _record(due: Due, outcome: Outcome, now: datetime, worker: str) -> dict[str, object]:
    """The ``schedule_firings`` row of one firing."""
    return {
        "article_id": due.article_id,
        "action": due.action,
        "due_at": due.due_at,
        "fired_at": now,
        "outcome": outcome.outcome,
        "lateness_seconds": outcome.lateness_seconds,
        "attempt": due.attempts + 1,
        "detail": outcome.detail,
        "worker": worker,
    }


def _back_off(session: Session, due: Due, now: datetime) -> None:
    """Exponential back-off with jitter, so a failing article neither spins nor starves the rest."""
    settings = get_settings()
    article = due.article
    article.schedule_attempts = due.attempts + 1
    delay = min(settings.scheduler_retry_seconds * 2**due.attempts, settings.scheduler_retry_max_seconds)
    article.schedule_retry_at = now + timedelta(seconds=delay * random.uniform(0.8, 1.2))
    session.add(article)


def next_due_at(session: Session) -> datetime | None:
    """When something next falls due (counting back-offs), or None."""
    candidates = [
        session.scalar(select(func.min(func.coalesce(Article.schedule_retry_at, column))).where(condition))
        for column, condition in (
            (Article.publish_at, SCHEDULED),
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
