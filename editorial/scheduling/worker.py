"""The scheduler loop: fire what is due, then sleep until the next due time or until woken.

It never polls on a fixed interval: it computes when the next article falls due and waits that
long (at most ``scheduler_max_sleep_seconds``, a safety net). Setting an earlier schedule wakes it:
in this process through an ``after_commit`` hook, in other processes through PostgreSQL's
``NOTIFY editorial_schedule`` (sent in the scheduling transaction, so it arrives on commit).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from weakref import WeakSet

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from editorial.db import Database
from editorial.lib.clock import Clock
from editorial.lib.loop import DueLoop, Wait, process_name
from editorial.scheduling.services import Outcome, fire_due, heartbeat, next_due_at
from editorial.settings import get_settings
from editorial.workflow.engine import SCHEDULE_CHANGED

CHANNEL = "editorial_schedule"
HELD_ELSEWHERE_SECONDS = 0.25
COALESCE_SECONDS = 0.1
"""Shortest sleep before the next due time: articles due moments apart are fired in one pass."""
HEARTBEAT_SECONDS = 10.0
"""Longest gap between heartbeat writes while passes run (health calls a worker dead after 100 s)."""
log = logging.getLogger("editorial.scheduler")
_local: WeakSet[Scheduler] = WeakSet()


@event.listens_for(Session, "before_commit")
def _notify_other_processes(session: Session) -> None:
    if session.info.get(SCHEDULE_CHANGED) and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


@event.listens_for(Session, "after_commit")
def _wake_this_process(session: Session) -> None:
    if session.info.pop(SCHEDULE_CHANGED, False):
        for scheduler in list(_local):
            scheduler.wake()


worker_name = process_name


class Scheduler(DueLoop):
    """One scheduler; ``run`` loops until ``stop``; ``run_once`` is one pass (tests, ``--once``)."""

    channel = CHANNEL
    log = log

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        worker: str | None = None,
        wait: Wait | None = None,
        standalone: bool = False,
    ) -> None:
        super().__init__(db, clock, wait=wait, standalone=standalone)
        self.worker = worker or process_name()
        self.started_at = clock.now()
        self._beaten_at: datetime | None = None
        _local.add(self)

    @property
    def max_sleep_seconds(self) -> float:
        return get_settings().scheduler_max_sleep_seconds

    @property
    def retry_seconds(self) -> float:
        return get_settings().scheduler_retry_seconds

    def next_due_at(self, session: Session) -> datetime | None:
        return next_due_at(session)

    def beat(self) -> None:
        """Record a heartbeat, unless one was written less than ``HEARTBEAT_SECONDS`` ago."""
        now = self.clock.now()
        if self._beaten_at is None or (now - self._beaten_at).total_seconds() >= HEARTBEAT_SECONDS:
            heartbeat(self.db, self.worker, now, started_at=self.started_at)
            self._beaten_at = now

    def run_once(self) -> list[Outcome]:
        self.beat()
        outcomes = fire_due(self.db, self.clock, worker=self.worker, between_batches=self.beat)
        for outcome in outcomes:
            log.info(
                "%s article %s: %s",
                outcome.action,
                outcome.article_id,
                outcome.outcome,
                extra={"fields": {"lateness_seconds": round(outcome.lateness_seconds, 3), "detail": outcome.detail}},
            )
        return outcomes

    def idle_delay(self, done: Sequence[Any], delay: float) -> float:
        if delay == 0:
            # Due rows exist but another scheduler holds them (SKIP LOCKED): let it finish first.
            return delay if done else HELD_ELSEWHERE_SECONDS
        # A pass costs a few transactions whether it fires one article or fifty: when articles fall
        # due moments apart (a busy minute), wait a little and take them together.
        return max(delay, COALESCE_SECONDS)
