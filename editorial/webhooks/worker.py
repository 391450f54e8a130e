"""The delivery worker: send what is due, then sleep until the next delivery falls due or until woken.

Like the scheduler, it never polls on a fixed interval: it sleeps until the earliest
``next_attempt_at`` (at most ``webhook_max_sleep_seconds``). New deliveries wake it: in this
process through an ``after_commit`` hook, in others through ``NOTIFY editorial_webhooks``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from editorial.db import Database
from editorial.lib.clock import Clock, SystemClock
from editorial.settings import Settings
from editorial.webhooks import delivery, wakeup
from editorial.webhooks.delivery import Claimed, Result

log = logging.getLogger("editorial.webhooks")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class DeliveryWorker:
    """One delivery worker; ``run`` loops until ``stop``; ``run_once`` is one pass (tests, ``--once``).

    ``clock`` decides what is due and dates the attempts; ``wall_clock`` stamps ``webhook-timestamp``,
    which receivers compare with their own clock, so it is the real time unless a test says otherwise.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        settings: Settings | None = None,
        name: str | None = None,
        wait: Callable[[threading.Event, float], Any] | None = None,
        transport: httpx.BaseTransport | None = None,
        wall_clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings or db.settings
        self.name = name or worker_name()
        self.wall_clock = wall_clock or SystemClock()
        self._client = httpx.Client(
            timeout=self.settings.webhook_timeout_seconds,
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=self.settings.webhook_concurrency),
        )
        self._senders = ThreadPoolExecutor(self.settings.webhook_concurrency, thread_name_prefix="webhook-send")
        self._woken = threading.Event()
        self._stopped = threading.Event()
        self._wait = wait or (lambda woken, seconds: woken.wait(seconds))
        wakeup.register(self)

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopped.set()
        self._woken.set()

    def close(self) -> None:
        """Release the HTTP connections and the sending threads."""
        self._senders.shutdown(wait=True)
        self._client.close()

    def claim(self) -> list[Claimed]:
        """Lease a batch of due deliveries (one per sending thread), committed before anything is sent."""
        with self.db.transaction() as session:
            return delivery.claim_due(session, self.clock.now(), self.settings.webhook_concurrency, self.settings)

    def send(self, batch: list[Claimed]) -> list[Result]:
        """Send a leased batch at once, one thread each, outside any transaction."""
        timestamp, settings = int(self.wall_clock.now().timestamp()), self.settings

        def attempt(claimed: Claimed) -> Result:
            return delivery.send(self._client, claimed, at=self.clock.now(), timestamp=timestamp, settings=settings)

        return list(self._senders.map(attempt, batch))

    def record(self, results: list[Result]) -> None:
        """Write the attempts and their outcomes in one new transaction."""
        with self.db.transaction() as session:
            for result in results:
                delivery.record(session, result, self.clock.now(), self.settings)

    def run_once(self) -> list[Result]:
        """Send everything due now, batch by batch, until nothing is due; returns every attempt made."""
        results: list[Result] = []
        while not self._stopped.is_set():
            batch = self.claim()
            if not batch:
                break
            sent = self.send(batch)
            self.record(sent)
            results += sent
            for result in sent:
                if not result.ok:
                    log.info(
                        "webhook %s delivery %s failed",
                        result.claimed.webhook_id,
                        result.claimed.delivery_id,
                        extra={"fields": {"error": result.error, "status_code": result.status_code}},
                    )
        return results

    def seconds_until_due(self) -> float:
        """How long to sleep: until the next delivery is due, never more than the safety-net maximum."""
        longest = self.settings.webhook_max_sleep_seconds
        with self.db.transaction(write=False) as session:
            due = delivery.next_due_at(session)
        if due is None:
            return longest
        return min(max((due - self.clock.now()).total_seconds(), 0.0), longest)

    def run(self) -> None:
        """Loop until ``stop``: a pass, then sleep until due or woken; database errors are logged and retried."""
        listener = self._listen() if self.db.engine.dialect.name == "postgresql" else None
        try:
            while not self._stopped.is_set():
                self._woken.clear()  # before the pass: a wake-up during it means look again at once
                try:
                    self.run_once()
                    delay = self.seconds_until_due()
                except Exception:  # the database may be restarting: log, wait, and try again
                    log.exception("webhook delivery pass failed")
                    delay = self.settings.webhook_retry_seconds
                if not self._stopped.is_set() and delay > 0:
                    self._wait(self._woken, delay)
        finally:
            if listener is not None:
                listener.join(timeout=5)
            self.close()

    def _listen(self) -> threading.Thread:
        """Wake on NOTIFY from any process (a dedicated connection; reconnects if it drops)."""
        url = make_url(self.db.settings.database_url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)

        def listen() -> None:
            while not self._stopped.is_set():
                try:
                    with psycopg.connect(dsn, autocommit=True) as connection:
                        connection.execute(f"LISTEN {wakeup.CHANNEL}")
                        while not self._stopped.is_set():
                            for _ in connection.notifies(timeout=1.0, stop_after=1):
                                self.wake()
                except psycopg.Error:
                    log.warning("webhook listener lost its connection; reconnecting")
                    self._stopped.wait(1.0)

        thread = threading.Thread(target=listen, name="webhook-listener", daemon=True)
        thread.start()
        return thread
