"""The delivery worker: send what is due, then sleep until the next delivery falls due or until woken.

Like the scheduler, it never polls on a fixed interval: it sleeps until the earliest
``next_attempt_at`` (at most ``webhook_max_sleep_seconds``). New deliveries wake it: in this
process through an ``after_commit`` hook, in others through ``NOTIFY editorial_webhooks``.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
from sqlmodel import Session

from editorial.db import Database
from editorial.lib.clock import Clock, SystemClock
from editorial.lib.loop import DueLoop, Wait, process_name
from editorial.settings import Settings
from editorial.webhooks import delivery, wakeup
from editorial.webhooks.delivery import Claimed, Result

log = logging.getLogger("editorial.webhooks")


worker_name = process_name


class DeliveryWorker(DueLoop):
    """One delivery worker; ``run`` loops until ``stop``; ``run_once`` is one pass (tests, ``--once``).

    ``clock`` decides what is due and dates the attempts; ``wall_clock`` stamps ``webhook-timestamp``,
    which receivers compare with their own clock, so it is the real time unless a test says otherwise.
    """

    channel = wakeup.CHANNEL
    log = log

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        settings: Settings | None = None,
        name: str | None = None,
        wait: Wait | None = None,
        standalone: bool = False,
        transport: httpx.BaseTransport | None = None,
        wall_clock: Clock | None = None,
    ) -> None:
        super().__init__(db, clock, wait=wait, standalone=standalone)
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
        wakeup.register(self)

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
            delivery.record(session, results, self.clock.now(), self.settings)

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

    def next_due_at(self, session: Session) -> datetime | None:
        return delivery.next_due_at(session)

    @property
    def max_sleep_seconds(self) -> float:
        return self.settings.webhook_max_sleep_seconds

    @property
    def retry_seconds(self) -> float:
        return self.settings.webhook_retry_seconds
