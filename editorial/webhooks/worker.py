"""The delivery worker: send what is due, then sleep until the next delivery falls due or until woken.

Like the scheduler, it never polls on a fixed interval: it sleeps until the earliest
``next_attempt_at`` (at most ``webhook_max_sleep_seconds``). New deliveries wake it: in this
process through an ``after_commit`` hook, in others through ``NOTIFY editorial_webhooks``.

A pass is pipelined on an asyncio loop of the worker's own: while one batch is being sent (every
delivery of it at once, over kept-alive connections), the next is claimed; each batch's outcomes
are recorded as soon as it is sent. Database work runs on a thread beside the loop (two on
PostgreSQL), so the loop keeps sending while a statement waits. Order per article holds across batches in flight:
a delivery is claimable only once every earlier one of its article is recorded delivered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import Session

from editorial.db import Database
from editorial.lib.clock import Clock, SystemClock
from editorial.lib.loop import DueLoop, Wait, process_name
from editorial.settings import Settings
from editorial.webhooks import delivery, pruning, wakeup
from editorial.webhooks.client import Client, Resolve
from editorial.webhooks.delivery import Claimed, Result

log = logging.getLogger("editorial.webhooks")
PIPELINE = 2
"""Batches a worker has in flight at once: the next one is claimed while one is being sent."""
HELD_ELSEWHERE_SECONDS = 0.05
T = TypeVar("T")


worker_name = process_name


class DeliveryWorker(DueLoop):
    """One delivery worker; ``run`` loops until ``stop``; ``run_once`` is one pass (tests, ``--once``).

    ``clock`` decides what is due and dates the attempts; ``wall_clock`` stamps ``webhook-timestamp``,
    which receivers compare with their own clock, so it is the real time unless a test says otherwise.
    ``resolve`` replaces the system resolver (tests).
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
        resolve: Resolve | None = None,
        wall_clock: Clock | None = None,
    ) -> None:
        super().__init__(db, clock, wait=wait, standalone=standalone)
        self.settings = settings or db.settings
        self.name = name or worker_name()
        self.wall_clock = wall_clock or SystemClock()
        self._loop = asyncio.new_event_loop()
        # The loop runs on a thread of its own: the caller's thread may have a loop running already
        # (an async framework, a test harness), and asyncio refuses to run a second one there.
        self._loop_thread = ThreadPoolExecutor(1, thread_name_prefix="webhook-loop")
        self._client = Client(
            timeout=self.settings.webhook_timeout_seconds,
            connections=self.settings.webhook_concurrency,
            allow_private=self.settings.webhook_allow_private_targets,
            resolve=resolve,
        )
        # PostgreSQL: claiming the next batch while the last one is recorded overlaps their round trips.
        # SQLite has one writer at a time, and a second thread would only wait on its lock.
        threads = 2 if db.engine.dialect.name == "postgresql" else 1
        self._database = ThreadPoolExecutor(threads, thread_name_prefix="webhook-db")
        self._pruned_at: datetime | None = None
        wakeup.register(self)

    def close(self) -> None:
        """Release the HTTP connections, the loop and the database thread (once; later calls do nothing)."""
        if self._loop.is_closed():
            return
        self._client.close()
        self._run(asyncio.sleep(0))  # let the transports finish closing
        self._loop_thread.submit(self._loop.close).result()
        self._loop_thread.shutdown(wait=True)
        self._database.shutdown(wait=True)

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the worker's loop, in the loop's thread, and wait for it."""
        return self._loop_thread.submit(self._loop.run_until_complete, work).result()

    def claim(self) -> list[Claimed]:
        """Lease a batch of due deliveries, committed before anything is sent."""
        with self.db.transaction() as session:
            return delivery.claim_due(session, self.clock.now(), self.settings.webhook_batch_size, self.settings)

    def send(self, batch: list[Claimed]) -> list[Result]:
        """Send a leased batch, outside any transaction (tests; a pass sends on its own loop)."""
        return self._run(self._send(batch))

    async def _send(self, batch: list[Claimed]) -> list[Result]:
        timestamp, settings, at = int(self.wall_clock.now().timestamp()), self.settings, self.clock.now()
        start_by = asyncio.get_running_loop().time() + delivery.start_within(settings)
        sent = await asyncio.gather(
            *(
                delivery.send(self._client, c, at=at, timestamp=timestamp, settings=settings, start_by=start_by)
                for c in batch
            )
        )
        return [result for result in sent if result is not None]

    def record(self, results: list[Result]) -> None:
        """Write the attempts and their outcomes in one new transaction."""
        with self.db.transaction() as session:
            delivery.record(session, results, self.clock.now(), self.settings)

    def run_once(self) -> list[Result]:
        """Send everything due now until nothing is due (pruning old deliveries when it is time); every attempt made."""
        results = self._run(self._drain())
        self.prune_if_due()
        return results

    async def _drain(self) -> list[Result]:
        loop, results = asyncio.get_running_loop(), []
        in_flight: set[asyncio.Task[list[Result]]] = set()
        try:
            while not self._stopped.is_set():
                if len(in_flight) < PIPELINE:
                    batch = await loop.run_in_executor(self._database, self.claim)
                    if batch:
                        in_flight.add(asyncio.create_task(self._deliver(batch)))
                        continue
                if not in_flight:
                    break
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    results += task.result()
        finally:
            for outcome in await asyncio.gather(*in_flight, return_exceptions=True):
                if isinstance(outcome, BaseException):
                    raise outcome
                results += outcome
        return results

    async def _deliver(self, batch: list[Claimed]) -> list[Result]:
        sent = await self._send(batch)
        await asyncio.get_running_loop().run_in_executor(self._database, self.record, sent)
        for result in sent:
            if not result.ok:
                log.info(
                    "webhook %s delivery %s failed",
                    result.claimed.webhook_id,
                    result.claimed.delivery_id,
                    extra={"fields": {"error": result.error, "status_code": result.status_code}},
                )
        return sent

    def prune_if_due(self) -> int:
        """Delete deliveries delivered longer ago than the retention, at most once per prune interval."""
        retention = self.settings.webhook_retention_days
        now = self.clock.now()
        interval = timedelta(seconds=self.settings.webhook_prune_interval_seconds)
        if not retention or (self._pruned_at is not None and now - self._pruned_at < interval):
            return 0
        self._pruned_at = now
        pruned = pruning.prune_delivered(self.db, now - timedelta(days=retention))
        if pruned:
            log.info("pruned %s delivered webhook deliveries", pruned, extra={"fields": {"pruned": pruned}})
        return pruned

    def idle_delay(self, done: Sequence[Any], delay: float) -> float:
        if delay == 0 and not done:
            # Due rows exist but another worker's claim holds them (SKIP LOCKED): without a pause
            # this worker would claim again at once, over and over, until that claim commits.
            return HELD_ELSEWHERE_SECONDS
        return delay

    def next_due_at(self, session: Session) -> datetime | None:
        return delivery.next_due_at(session)

    @property
    def max_sleep_seconds(self) -> float:
        return self.settings.webhook_max_sleep_seconds

    @property
    def retry_seconds(self) -> float:
        return self.settings.webhook_retry_seconds
