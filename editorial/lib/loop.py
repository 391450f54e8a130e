"""The loop shared by the scheduler and the webhook worker: a pass, then sleep until due or woken.

Neither polls on a fixed interval: after each pass the loop asks when the next item falls due and
sleeps that long (never more than a safety-net maximum). It is woken early in this process by
``wake()`` (called from an ``after_commit`` hook) and, on PostgreSQL, by ``NOTIFY`` on its channel
from any process; a process of its own on SQLite, which has no NOTIFY, looks again every second.
The wait is injectable, so tests drive the loop without sleeping.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlmodel import Session

from editorial.db import Database
from editorial.lib.clock import Clock

Wait = Callable[[threading.Event, float], Any]
STANDALONE_POLL_SECONDS = 1.0


def process_name() -> str:
    """``host:pid``: names a worker process in heartbeats and logs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DueLoop(ABC):
    """Subclasses say what one pass does, when the next item is due, and their limits."""

    channel: str
    """The PostgreSQL ``NOTIFY`` channel that wakes this kind of loop."""
    log: logging.Logger

    def __init__(self, db: Database, clock: Clock, *, wait: Wait | None = None, standalone: bool = False) -> None:
        self.db = db
        self.clock = clock
        self._woken = threading.Event()
        self._stopped = threading.Event()
        self._wait = wait or (lambda woken, seconds: woken.wait(seconds))
        # A process of its own on a database without NOTIFY (SQLite) cannot be woken by the
        # processes that write: it looks again at least every STANDALONE_POLL_SECONDS.
        self._poll = STANDALONE_POLL_SECONDS if standalone and db.engine.dialect.name != "postgresql" else None

    @abstractmethod
    def run_once(self) -> Sequence[Any]:
        """One pass over what is due now; returns what was done."""

    @abstractmethod
    def next_due_at(self, session: Session) -> datetime | None:
        """When the next item falls due, or None."""

    @property
    @abstractmethod
    def max_sleep_seconds(self) -> float: ...

    @property
    @abstractmethod
    def retry_seconds(self) -> float:
        """How long to wait after a pass failed (the database may be restarting)."""

    def idle_delay(self, done: Sequence[Any], delay: float) -> float:
        """A chance to adjust the sleep after a pass (e.g. when due items are held by another process)."""
        return delay

    def close(self) -> None:
        """Release what the loop holds, when ``run`` ends (nothing, unless a subclass says so)."""
        return None

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopped.set()
        self._woken.set()

    def seconds_until_due(self) -> float:
        """How long to sleep: until the next due time, never more than the safety-net maximum."""
        with self.db.transaction(write=False) as session:
            due = self.next_due_at(session)
        if due is None:
            return self.max_sleep_seconds
        return min(max((due - self.clock.now()).total_seconds(), 0.0), self.max_sleep_seconds)

    def run(self) -> None:
        """Loop until ``stop``; a failed pass is logged and retried after ``retry_seconds``."""
        listener = self._listen() if self.db.engine.dialect.name == "postgresql" else None
        try:
            while not self._stopped.is_set():
                self._woken.clear()  # before the pass: a wake-up during it means look again at once
                try:
                    done = self.run_once()
                    delay = self.idle_delay(done, self.seconds_until_due())
                    if self._poll is not None:
                        delay = min(delay, self._poll)
                except Exception:
                    self.log.exception("pass failed")
                    delay = self.retry_seconds
                if not self._stopped.is_set() and delay > 0:
                    self._wait(self._woken, delay)
        finally:
            if listener is not None:
                listener.join(timeout=5)
            self.close()

    def _listen(self) -> threading.Thread:
        """Wake on NOTIFY from any process (a dedicated connection; reconnects if it drops)."""
        dsn = make_url(self.db.settings.database_url).set(drivername="postgresql").render_as_string(False)

        def listen() -> None:
            while not self._stopped.is_set():
                try:
                    with psycopg.connect(dsn, autocommit=True) as connection:
                        connection.execute(f"LISTEN {self.channel}")
                        while not self._stopped.is_set():
                            for _ in connection.notifies(timeout=1.0, stop_after=1):
                                self.wake()
                except psycopg.Error:
                    self.log.warning("listener lost its connection; reconnecting")
                    self._stopped.wait(1.0)

        thread = threading.Thread(target=listen, name=f"{self.channel}-listener", daemon=True)
        thread.start()
        return thread
