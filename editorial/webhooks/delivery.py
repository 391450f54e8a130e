"""One delivery attempt in three steps, so no transaction stays open during the HTTP call.

``claim_due`` takes due deliveries (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers
share the work; SQLite's write transaction serialises them) and leases them by moving
``next_attempt_at`` past the longest an attempt can take: a worker that dies holding a lease
delays the delivery, never loses it. ``send`` makes the signed request. ``record`` writes the
attempt and the outcome in a new transaction, unless the lease was lost meanwhile.

A delivery is only due when no earlier event of the same article is still pending for the same
webhook, so each receiver sees an article's events in order.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from editorial.db.models import Event, Webhook, WebhookAttempt, WebhookDelivery
from editorial.settings import Settings
from editorial.webhooks import signing
from editorial.webhooks.client import Client, NotStarted, TimeoutException
from editorial.webhooks.services import DELIVERED, FAILED, PENDING
from editorial.webhooks.targets import TargetRefused

log = logging.getLogger("editorial.webhooks")
ERROR_BODY_BYTES = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery leased to this worker until ``lease``, with what it needs to send it."""

    delivery_id: int
    webhook_id: int
    url: str
    secret: str
    message_id: str
    body: bytes
    lease: datetime


@dataclass(frozen=True, slots=True)
class Result:
    """What one attempt got: a status code, or an error, or both (a non-2xx answer)."""

    claimed: Claimed
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def lease_seconds(settings: Settings) -> float:
    """How long a claim holds: connect, send and answer may each take the timeout, plus a margin."""
    return 3 * settings.webhook_timeout_seconds + 30


def start_within(settings: Settings) -> float:
    """Seconds after a claim by which each attempt of the batch must have started, to end within its lease.

    Batches in flight share a few connections per target: when the target is slow, the last
    attempts of a batch wait for earlier ones; those that cannot start in time are not made, and
    are sent again once the lease ends, rather than a lease covering every possible wait.
    """
    return lease_seconds(settings) - settings.webhook_timeout_seconds - 20


def _first_pending() -> ColumnElement[bool]:
    """Pending, for an active webhook, and no earlier event of its article waiting for that webhook."""
    earlier = aliased(WebhookDelivery)
    waiting_behind = exists().where(
        earlier.webhook_id == WebhookDelivery.webhook_id,
        earlier.article_id == WebhookDelivery.article_id,
        earlier.status == PENDING,
        earlier.seq < WebhookDelivery.seq,
    )
    return and_(WebhookDelivery.status == PENDING, Webhook.active.is_(True), ~waiting_behind)


def claim_due(session: Session, now: datetime, limit: int, settings: Settings) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries no other worker holds, longest due first, with what they send."""
    rows = session.execute(
        select(
            WebhookDelivery.id,
            Webhook.id,
            Webhook.url,
            Webhook.secret,
            Event.seq,
            Event.type,
            Event.occurred_at,
            Event.article_id,
            Event.actor,
            Event.data,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(_first_pending(), WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    if not rows:
        return []
    lease = now + timedelta(seconds=lease_seconds(settings))
    session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id.in_([row[0] for row in rows])).values(next_attempt_at=lease)
    )
    return [
        Claimed(
            delivery_id=delivery_id,
            webhook_id=webhook_id,
            url=url,
            secret=secret,
            message_id=signing.message_id(seq or 0),
            body=signing.encode(signing.document(seq or 0, kind, occurred_at, article_id, actor, data)),
            lease=lease,
        )
        for delivery_id, webhook_id, url, secret, seq, kind, occurred_at, article_id, actor, data in rows
    ]


def next_due_at(session: Session) -> datetime | None:
    """When the next delivery falls due (the end of a lease included), or None."""
    return session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at))
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(_first_pending())
    )


async def send(
    client: Client, claimed: Claimed, *, at: datetime, timestamp: int, settings: Settings, start_by: float | None = None
) -> Result | None:
    """Make one attempt: post the signed body to an address checked for this connection, and read the answer.

    None if it could not start by ``start_by`` (loop time): no attempt, the delivery waits for its lease to end.
    """
    started = time.perf_counter()
    status_code: int | None = None
    try:
        headers = signing.headers(claimed.secret, claimed.message_id, timestamp, claimed.body)
        answer = await client.post(claimed.url, headers, claimed.body, start_by=start_by)
        status_code = answer.status_code
        error = None if 200 <= status_code < 300 else f"HTTP {status_code}: {answer.text[:ERROR_BODY_BYTES]!r}"
    except NotStarted:
        return None
    except TargetRefused as refused:
        error = f"target refused: {refused.reason}"
    except TimeoutException as timeout:
        error = f"timed out after {settings.webhook_timeout_seconds:g} s ({type(timeout).__name__})"
    except Exception as failure:  # whatever went wrong is this attempt's outcome, recorded like any other
        error = f"{type(failure).__name__}: {failure}"
    duration_ms = (time.perf_counter() - started) * 1000
    return Result(claimed, at, status_code, error, round(duration_ms, 3))


def record(session: Session, results: list[Result], now: datetime, settings: Settings) -> None:
    """Write a batch's attempts; then, for each delivery whose lease still holds, the outcome.

    The successes (nearly every result) are one ``UPDATE`` per lease and status code, which
    checks the lease itself; the rest get one locking read. Then one insert of every attempt,
    and one reset of the run of failures per webhook, issued where sending them in order would
    have issued it (a failure after a success counts from zero, as it would have).
    """
    ours: set[int] = set()
    succeeded: dict[tuple[datetime, int], list[int]] = defaultdict(list)
    for result in results:
        if result.ok:
            assert result.status_code is not None
            succeeded[(result.claimed.lease, result.status_code)].append(result.claimed.delivery_id)
    for (lease, status_code), ids in succeeded.items():
        ours.update(
            session.scalars(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id.in_(ids),
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.next_attempt_at == lease,
                )
                .values(
                    status=DELIVERED,
                    delivered_at=now,
                    attempts=WebhookDelivery.attempts + 1,
                    last_status_code=status_code,
                    last_error=None,
                )
                .returning(WebhookDelivery.id)
            )
        )
    others = [r.claimed.delivery_id for r in results if r.claimed.delivery_id not in ours]
    locked = {
        delivery.id: delivery
        for delivery in (
            session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.id.in_(others)).with_for_update(of=WebhookDelivery)
            )
            if others
            else ()
        )
    }
    attempts = [
        {
            "delivery_id": result.claimed.delivery_id,
            "at": result.at,
            "status_code": result.status_code,
            "error": result.error,
            "duration_ms": result.duration_ms,
        }
        for result in results
        if result.claimed.delivery_id in ours or result.claimed.delivery_id in locked  # else deleted meanwhile
    ]
    if attempts:
        session.execute(insert(WebhookAttempt), attempts)
    unreset: set[int] = set()
    for result in results:
        claimed = result.claimed
        if result.ok:
            if claimed.delivery_id in ours:
                unreset.add(claimed.webhook_id)
            continue
        delivery = locked.get(claimed.delivery_id)
        if delivery is None or delivery.status != PENDING or delivery.next_attempt_at != claimed.lease:
            continue  # deleted, redelivered, or the lease expired and another worker took it: theirs
        if claimed.webhook_id in unreset:
            unreset.discard(claimed.webhook_id)
            _reset_failures(session, [claimed.webhook_id])
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = result.status_code, result.error
        _failed(session, delivery, result, now, settings)
        session.add(delivery)
    if unreset:
        _reset_failures(session, sorted(unreset))


def _reset_failures(session: Session, webhook_ids: list[int]) -> None:
    """End the webhooks' runs of failures (a row that has none is not written, nor locked)."""
    session.execute(
        update(Webhook)
        .where(Webhook.id.in_(webhook_ids), Webhook.consecutive_failures != 0)
        .values(consecutive_failures=0)
    )


def _failed(session: Session, delivery: WebhookDelivery, result: Result, now: datetime, settings: Settings) -> None:
    """Back off; disable the webhook after a run of failures; give one delivery up if it alone fails."""
    failures = session.execute(
        update(Webhook)
        .where(Webhook.id == delivery.webhook_id)
        .values(consecutive_failures=Webhook.consecutive_failures + 1)
        .returning(Webhook.consecutive_failures, Webhook.active)
    ).one()
    delay = min(settings.webhook_retry_seconds * 2 ** (delivery.attempts - 1), settings.webhook_retry_max_seconds)
    delivery.next_attempt_at = now + timedelta(seconds=delay * random.uniform(0.8, 1.2))
    count, active = failures
    if count >= settings.webhook_disable_after_failures:
        if active:
            reason = f"disabled after {count} failed attempts in a row; the last: {result.error}"[:500]
            session.execute(
                update(Webhook).where(Webhook.id == delivery.webhook_id).values(active=False, disabled_reason=reason)
            )
            log.warning("webhook %s disabled", delivery.webhook_id, extra={"fields": {"reason": reason}})
    elif delivery.attempts >= settings.webhook_max_attempts:
        delivery.status = FAILED
        log.warning("webhook %s: delivery %s given up", delivery.webhook_id, delivery.id)
