"""What editors see of the schedule: upcoming items, recent firings, health, and the calendar feed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlmodel import Session

from editorial.articles.reading import local_time
from editorial.articles.services import visible_clause
from editorial.auth.principal import Principal
from editorial.db.models import Article, Revision, ScheduleFiring, SchedulerWorker
from editorial.db.models.articles import SCHEDULED
from editorial.desks.services import desk_workflows
from editorial.lib.errors import InvalidInput
from editorial.scheduling.schemas import FiringRead, ScheduledItem, ScheduleRead, SchedulerHealth, WorkerRead
from editorial.settings import get_settings
from editorial.workflow import policy

LATENESS_WINDOW = 1000
"""Recent firings the lateness percentiles are taken over."""
DEFAULT_WINDOW = timedelta(days=30)


def window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The time range asked for: aware, ordered; by default from a day ago for 30 days."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput.field(name, "give a time zone offset or Z")
    start = start or now - timedelta(days=1)
    end = end or start + DEFAULT_WINDOW
    if end <= start:
        raise InvalidInput.field("to", "must be after from")
    return start, end


def upcoming(
    session: Session, principal: Principal, *, desk: str | None, start: datetime, end: datetime, limit: int
) -> list[ScheduledItem]:
    """Publications and takedowns due between ``start`` and ``end`` that the caller may see."""
    visible = visible_clause(principal, policy.view_scope(principal, desk_workflows(session)))
    items: list[ScheduledItem] = []
    for action, due, condition in (
        ("publish", Article.publish_at, SCHEDULED),
        ("unpublish", Article.unpublish_at, Article.unpublish_at.is_not(None)),
    ):
        query = (
            select(Article, Revision.title)
            .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.head_revision))
            .where(condition, visible, due >= start, due < end)
            .order_by(due, Article.id)
            .limit(limit)
        )
        if desk:
            query = query.where(Article.desk_id == desk)
        for article, title in session.execute(query):
            at = article.publish_at if action == "publish" else article.unpublish_at
            items.append(
                ScheduledItem(
                    article=article.id,
                    slug=article.slug,
                    desk=article.desk_id,
                    title=title,
                    state=article.state,
                    action=action,
                    due_at=at,
                    due_at_local=local_time(at, article.publish_at_offset),
                )
            )
    return sorted(items, key=lambda item: (item.due_at, item.article))[:limit]


def recent(session: Session, principal: Principal, *, desk: str | None, limit: int) -> list[FiringRead]:
    visible = visible_clause(principal, policy.view_scope(principal, desk_workflows(session)))
    query = (
        select(ScheduleFiring)
        .join(Article, Article.id == ScheduleFiring.article_id)
        .where(visible)
        .order_by(ScheduleFiring.id.desc())
        .limit(limit)
    )
    if desk:
        query = query.where(Article.desk_id == desk)
    return [
        FiringRead(article=f.article_id, **f.model_dump(exclude={"id", "article_id"})) for f in session.scalars(query)
    ]


def schedule(
    session: Session, principal: Principal, *, desk: str | None, start: datetime, end: datetime, limit: int
) -> ScheduleRead:
    return ScheduleRead(
        upcoming=upcoming(session, principal, desk=desk, start=start, end=end, limit=limit),
        recent=recent(session, principal, desk=desk, limit=limit),
    )


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def health(session: Session, now: datetime) -> SchedulerHealth:
    """Unhealthy while anything is overdue; lateness of recent firings; which workers report in."""
    settings = get_settings()
    grace = now - timedelta(seconds=settings.scheduler_on_time_seconds)
    overdue_rows = session.execute(
        select(Article.id, Article.publish_at).where(SCHEDULED, Article.publish_at < grace).order_by(Article.publish_at)
    ).all()
    overdue_takedowns = session.scalar(
        select(func.count())
        .select_from(Article)
        .where(Article.live_revision.is_not(None), Article.unpublish_at < grace)
    )
    lateness = list(
        session.scalars(
            select(ScheduleFiring.lateness_seconds)
            .where(ScheduleFiring.outcome.in_(["on_time", "late"]))
            .order_by(ScheduleFiring.id.desc())
            .limit(LATENESS_WINDOW)
        )
    )
    failures = session.scalar(
        select(func.count())
        .select_from(ScheduleFiring)
        .where(ScheduleFiring.outcome.in_(["failed", "skipped"]), ScheduleFiring.fired_at >= now - timedelta(hours=1))
    )
    alive_after = now - timedelta(seconds=3 * settings.scheduler_max_sleep_seconds + 10)
    workers = [
        WorkerRead(
            worker=w.id, started_at=w.started_at, heartbeat_at=w.heartbeat_at, alive=w.heartbeat_at >= alive_after
        )
        for w in session.scalars(select(SchedulerWorker).order_by(SchedulerWorker.heartbeat_at.desc()).limit(50))
    ]
    overdue = len(overdue_rows) + (overdue_takedowns or 0)
    return SchedulerHealth(
        healthy=overdue == 0,
        overdue=overdue,
        oldest_overdue_article=overdue_rows[0][0] if overdue_rows else None,
        oldest_overdue_seconds=(now - overdue_rows[0][1]).total_seconds() if overdue_rows else None,
        lateness_p50_seconds=percentile(lateness, 0.50),
        lateness_p99_seconds=percentile(lateness, 0.99),
        firings_measured=len(lateness),
        failures_last_hour=failures or 0,
        workers=workers,
    )
