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
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import ColumnElement, and_, exists, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from editorial.db.models import Event, Webhook, WebhookAttempt, WebhookDelivery
from editorial.settings import Settings
from editorial.webhooks import signing
from editorial.webhooks.services import DELIVERED, FAILED, PENDING
from editorial.webhooks.targets import TargetRefused, check_target

log = logging.getLogger("editorial.webhooks")
ERROR_BODY_BYTES = 500
BODY_LIMIT_BYTES = 64 * 1024


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
    """Lease up to ``limit`` due deliveries no other worker holds, longest due first."""
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.event_id, Webhook.id, Webhook.url, Webhook.secret)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
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
    events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_({row[1] for row in rows})))}
    return [
        Claimed(
            delivery_id=delivery_id,
            webhook_id=webhook_id,
            url=url,
            secret=secret,
            message_id=signing.message_id(events[event_id].seq or 0),
            body=signing.body(events[event_id]),
            lease=lease,
        )
        for delivery_id, event_id, webhook_id, url, secret in rows
    ]


def next_due_at(session: Session) -> datetime | None:
    """When the next delivery falls due (the end of a lease included), or None."""
    return session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at))
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(_first_pending())
    )


def send(client: httpx.Client, claimed: Claimed, *, at: datetime, timestamp: int, settings: Settings) -> Result:
    """Make one attempt: check the target again, post the signed body, and read the answer briefly."""
    started = time.perf_counter()
    status_code: int | None = None
    try:
        check_target(claimed.url, allow_private=settings.webhook_allow_private_targets)
        headers = signing.headers(claimed.secret, claimed.message_id, timestamp, claimed.body)
        with client.stream("POST", claimed.url, content=claimed.body, headers=headers) as response:
            status_code = response.status_code
            answer = _read_some(response, started + settings.webhook_timeout_seconds)
        error = None if 200 <= status_code < 300 else f"HTTP {status_code}: {answer[:ERROR_BODY_BYTES]!r}"
    except TargetRefused as refused:
        error = f"target refused: {refused.reason}"
    except httpx.TimeoutException as timeout:
        error = f"timed out after {settings.webhook_timeout_seconds:g} s ({type(timeout).__name__})"
    except Exception as failure:  # whatever went wrong is this attempt's outcome, recorded like any other
        error = f"{type(failure).__name__}: {failure}"
    duration_ms = (time.perf_counter() - started) * 1000
    return Result(claimed, at, status_code, error, round(duration_ms, 3))


def _read_some(response: httpx.Response, deadline: float) -> str:
    """Up to 64 KiB of the answer (read, so the connection can be reused), within the attempt's time."""
    answer = b""
    try:
        for chunk in response.iter_bytes():
            answer += chunk
            if len(answer) >= BODY_LIMIT_BYTES or time.perf_counter() > deadline:
                break
    except httpx.HTTPError:
        pass  # the status line is the answer; a body cut short changes nothing
    return answer.decode("utf-8", "replace")


def record(session: Session, results: list[Result], now: datetime, settings: Settings) -> None:
    """Write a batch's attempts; then, for each delivery whose lease still holds, the outcome.

    One locking read for the batch and one insert of its attempts; a success resets the webhook's
    run of failures with one statement per webhook, not per delivery (a failure in between makes
    the next success reset it again, so the count is what sending them in order would leave).
    """
    ids = [result.claimed.delivery_id for result in results]
    deliveries = {
        delivery.id: delivery
        for delivery in session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).with_for_update(of=WebhookDelivery)
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
        if result.claimed.delivery_id in deliveries  # else the webhook was deleted meanwhile
    ]
    if attempts:
        session.execute(insert(WebhookAttempt), attempts)
    reset: set[int] = set()
    for result in results:
        claimed = result.claimed
        delivery = deliveries.get(claimed.delivery_id)
        if delivery is None or delivery.status != PENDING or delivery.next_attempt_at != claimed.lease:
            continue  # deleted, redelivered, or the lease expired and another worker took it: theirs
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = result.status_code, result.error
        if result.ok:
            delivery.status, delivery.delivered_at = DELIVERED, now
            if claimed.webhook_id not in reset:
                reset.add(claimed.webhook_id)
                session.connection().execute(
                    update(Webhook)
                    .where(Webhook.id == claimed.webhook_id, Webhook.consecutive_failures != 0)
                    .values(consecutive_failures=0)
                )
        else:
            reset.discard(claimed.webhook_id)
            _failed(session, delivery, result, now, settings)
        session.add(delivery)


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
