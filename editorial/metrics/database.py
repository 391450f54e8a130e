"""The newsroom's state, read from the database at scrape time: the same answer from every process.

Scheduler and delivery workers often run as processes that serve no HTTP; what they did is in
the database (``schedule_firings``, ``webhook_attempts``), so any API process can report it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from sqlalchemy import Engine, and_, case, func, or_, select
from sqlmodel import Session

from editorial.db.models import Article, ScheduleFiring, WebhookAttempt, WebhookDelivery
from editorial.db.models.articles import SCHEDULED

LATENESS_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
FIRED = ("on_time", "late")


class DatabaseCollector:
    """A one-scrape collector: queries the database and the engine's pool when collected."""

    def __init__(self, session: Session, engine: Engine, now: datetime, on_time_seconds: float) -> None:
        self.session = session
        self.engine = engine
        self.now = now
        self.grace = timedelta(seconds=on_time_seconds)

    def collect(self) -> Iterator[Metric]:
        yield self._lateness()
        yield from self._firings_and_overdue()
        yield from self._webhooks()
        yield from self._pool()  # last: the scrape's own connection is then counted as in use

    def _pool(self) -> Iterator[Metric]:
        pool = self.engine.pool
        for name, what, read in (
            ("editorial_db_pool_size", "Connections the pool keeps", "size"),
            ("editorial_db_pool_checked_out", "Connections in use now", "checkedout"),
            ("editorial_db_pool_overflow", "Connections open beyond the pool size", "overflow"),
        ):
            reader = getattr(pool, read, None)
            if callable(reader):
                yield GaugeMetricFamily(name, f"{what} (this process)", value=float(reader()))

    def _lateness(self) -> Metric:
        lateness = ScheduleFiring.lateness_seconds
        columns = [func.count(), func.coalesce(func.sum(lateness), 0.0)]
        columns += [func.coalesce(func.sum(case((lateness <= bound, 1), else_=0)), 0) for bound in LATENESS_BUCKETS]
        total, seconds, *within = self.session.execute(select(*columns).where(ScheduleFiring.outcome.in_(FIRED))).one()
        buckets = [(str(bound), float(n)) for bound, n in zip(LATENESS_BUCKETS, within, strict=True)]
        return HistogramMetricFamily(
            "editorial_scheduler_lateness_seconds",
            "How late the scheduler published or unpublished after the time it was given (all processes)",
            buckets=[*buckets, ("+Inf", float(total))],
            sum_value=float(seconds),
        )

    def _firings_and_overdue(self) -> Iterator[Metric]:
        firings = CounterMetricFamily(
            "editorial_scheduler_firings", "Scheduler firings by action and outcome", labels=["action", "outcome"]
        )
        rows = self.session.execute(
            select(ScheduleFiring.action, ScheduleFiring.outcome, func.count()).group_by(
                ScheduleFiring.action, ScheduleFiring.outcome
            )
        )
        for action, outcome, count in sorted(rows):
            firings.add_metric([action, outcome], float(count))
        yield firings
        late = self.now - self.grace
        overdue = GaugeMetricFamily(
            "editorial_scheduler_overdue",
            "Articles past their publish_at or unpublish_at by more than the on-time allowance, not yet fired",
            labels=["action"],
        )
        publish = and_(SCHEDULED, Article.publish_at <= late)
        unpublish = and_(Article.live_revision.is_not(None), Article.unpublish_at <= late)
        for action, condition in (("publish", publish), ("unpublish", unpublish)):
            overdue.add_metric([action], float(self.session.scalar(select(func.count()).where(condition)) or 0))
        yield overdue

    def _webhooks(self) -> Iterator[Metric]:
        code = WebhookAttempt.status_code
        failed = or_(code.is_(None), code < 200, code > 299)
        attempts, failures = self.session.execute(
            select(func.count(), func.coalesce(func.sum(case((failed, 1), else_=0)), 0))
        ).one()
        yield CounterMetricFamily(
            "editorial_webhook_attempts", "Webhook delivery attempts (all workers)", value=float(attempts)
        )
        yield CounterMetricFamily(
            "editorial_webhook_attempt_failures",
            "Webhook delivery attempts that failed: no answer, or not a 2xx (all workers)",
            value=float(failures),
        )
        deliveries = GaugeMetricFamily(
            "editorial_webhook_deliveries", "Webhook deliveries by status", labels=["status"]
        )
        rows = self.session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status))
        for status, count in sorted(rows):
            deliveries.add_metric([status], float(count))
        yield deliveries
