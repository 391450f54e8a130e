"""The scheduler loop: fire what is due, then sleep until the next due time or until woken.

It never polls on a fixed interval: it computes when the next article falls due and waits that
long (at most ``scheduler_max_sleep_seconds``, a safety net). Setting an earlier schedule wakes it:
in this process through an ``after_commit`` hook, in other processes through PostgreSQL's
``NOTIFY editorial_schedule`` (sent in the scheduling transaction, so it arrives on commit).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any
from weakref import WeakSet

import psycopg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from editorial.db import Database
from editorial.lib.clock import Clock
from editorial.scheduling.services import Outcome, fire_due, heartbeat, next_due_at
from editorial.settings import get_settings
from editorial.workflow.engine import SCHEDULE_CHANGED

CHANNEL = "editorial_schedule"
HELD_ELSEWHERE_SECONDS = 0.25
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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    """One scheduler; ``run`` loops until ``stop``; ``run_once`` is one pass (tests, ``--once``)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        worker: str | None = None,
        wait: Callable[[threading.Event, float], Any] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.worker = worker or worker_name()
        self.started_at = clock.now()
        self._woken = threading.Event()
        self._stopped = threading.Event()
        self._wait = wait or (lambda woken, seconds: woken.wait(seconds))
        _local.add(self)

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopped.set()
        self._woken.set()

    def run_once(self) -> list[Outcome]:
        heartbeat(self.db, self.worker, self.clock.now(), started_at=self.started_at)
        outcomes = fire_due(self.db, self.clock, worker=self.worker)
        for outcome in outcomes:
            log.info(
                "%s article %s: %s",
                outcome.action,
                outcome.article_id,
                outcome.outcome,
                extra={"fields": {"lateness_seconds": round(outcome.lateness_seconds, 3), "detail": outcome.detail}},
            )
        return outcomes

    def seconds_until_due(self) -> float:
        """How long to sleep: until the next due time, never more than the safety-net maximum."""
        longest = get_settings().scheduler_max_sleep_seconds
        with self.db.transaction(write=False) as session:
            due = next_due_at(session)
        if due is None:
            return longest
        return min(max((due - self.clock.now()).total_seconds(), 0.0), longest)

    def run(self) -> None:
        listener = self._listen() if self.db.engine.dialect.name == "postgresql" else None
        try:
            while not self._stopped.is_set():
                # Clear before looking: a schedule committed from here on wakes the wait below.
                self._woken.clear()
                try:
                    fired = self.run_once()
                    delay = self.seconds_until_due()
                    if delay == 0 and not fired:
                        # Due rows exist but another scheduler holds them (SKIP LOCKED): let it finish.
                        delay = HELD_ELSEWHERE_SECONDS
                except Exception:  # the database may be restarting: log, wait, and try again
                    log.exception("scheduler pass failed")
                    delay = get_settings().scheduler_retry_seconds
                if not self._stopped.is_set() and delay > 0:
                    self._wait(self._woken, delay)
        finally:
            if listener is not None:
                listener.join(timeout=5)

    def _listen(self) -> threading.Thread:
        """Wake on NOTIFY from any process (a dedicated connection; reconnects if it drops)."""
        url = make_url(self.db.settings.database_url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)

        def listen() -> None:
            while not self._stopped.is_set():
                try:
                    with psycopg.connect(dsn, autocommit=True) as connection:
                        connection.execute(f"LISTEN {CHANNEL}")
                        while not self._stopped.is_set():
                            for _ in connection.notifies(timeout=1.0, stop_after=1):
                                self.wake()
                except psycopg.Error:
                    log.warning("schedule listener lost its connection; reconnecting")
                    self._stopped.wait(1.0)

        thread = threading.Thread(target=listen, name="schedule-listener", daemon=True)
        thread.start()
        return thread
