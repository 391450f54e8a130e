"""Webhook subscriptions: create, read, change and delete them; their delivery log and re-delivery."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, select, update
from sqlmodel import Session

from editorial.auth.principal import Principal
from editorial.db.models import Event, EventSequence, Webhook, WebhookAttempt, WebhookDelivery
from editorial.db.types import MAX_INTEGER, UTCDateTime
from editorial.lib.errors import NotFound
from editorial.lib.paging import Page, decode_cursor, encode_cursor
from editorial.webhooks import wakeup
from editorial.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from editorial.webhooks.signing import message_id, new_secret
from editorial.webhooks.targets import check_target

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


def webhook_read(webhook: Webhook) -> WebhookRead:
    return WebhookRead.model_validate(webhook, from_attributes=True)


def create_webhook(session: Session, data: WebhookCreate, *, now: datetime, allow_private: bool) -> WebhookCreated:
    """Subscribe a URL to event types; the generated secret is in the answer, and only there."""
    check_target(data.url, allow_private=allow_private)
    webhook = Webhook(
        url=data.url.strip(),
        event_types=data.event_types,
        secret=new_secret(),
        description=data.description,
        created_at=now,
    )
    session.add(webhook)
    session.flush()
    return WebhookCreated(**webhook_read(webhook).model_dump(), secret=webhook.secret)


def list_webhooks(session: Session) -> list[Webhook]:
    """Every webhook, oldest first."""
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def get_webhook(session: Session, webhook_id: int) -> Webhook:
    """One webhook, or 404."""
    webhook = session.get(Webhook, webhook_id) if 1 <= webhook_id <= MAX_INTEGER else None
    if webhook is None:
        raise NotFound(f"no webhook {webhook_id}")
    return webhook


def update_webhook(
    session: Session, webhook_id: int, data: WebhookUpdate, *, admin: Principal, now: datetime
) -> Webhook:
    """Change the event types or description; switch it off, or back on (sending what it missed)."""
    webhook = get_webhook(session, webhook_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for field in ("event_types", "description"):
        if field in changes:
            setattr(webhook, field, changes[field])
    if changes.get("active") is True and not webhook.active:
        webhook.active, webhook.disabled_reason, webhook.consecutive_failures = True, None, 0
        session.add(webhook)
        _resume(session, webhook, now)
    elif changes.get("active") is False and webhook.active:
        webhook.active, webhook.disabled_reason = False, f"disabled by {admin.username}"
    session.add(webhook)
    session.flush()
    return webhook


def _resume(session: Session, webhook: Webhook, now: datetime) -> None:
    """Owe the events it missed while off, and send what it owes now rather than after a back-off.

    Events are owed only to active webhooks when they are written; so from the last one this webhook
    is owed, every later event of its types is owed too. Taking the event sequence lock first means
    no event commits between this read and the commit of this transaction unseen by either.
    """
    session.execute(update(EventSequence).where(EventSequence.id == 1).values(value=EventSequence.value))
    last = session.scalar(select(func.max(WebhookDelivery.seq)).where(WebhookDelivery.webhook_id == webhook.id))
    if last is not None:
        missed = select(
            literal(webhook.id),
            Event.id,
            Event.seq,
            Event.article_id,
            literal(PENDING),
            literal(0),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
        ).where(Event.seq > last)
        if webhook.event_types:
            missed = missed.where(Event.type.in_(webhook.event_types))
        columns = ["webhook_id", "event_id", "seq", "article_id", "status", "attempts", "next_attempt_at", "created_at"]
        session.execute(insert(WebhookDelivery).from_select(columns, missed.order_by(Event.seq)))
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )
    wakeup.deliveries_owed(session)


def delete_webhook(session: Session, webhook_id: int) -> None:
    """Remove a webhook with its deliveries and their attempts."""
    webhook = get_webhook(session, webhook_id)
    session.execute(delete(Webhook).where(Webhook.id == webhook.id))


def list_deliveries(
    session: Session, webhook_id: int, *, status: str | None, cursor: str | None, limit: int
) -> Page[DeliveryRead]:
    """A webhook's deliveries, newest first, each with every attempt made."""
    get_webhook(session, webhook_id)
    after = decode_cursor(cursor, {"id": int})
    query = (
        select(WebhookDelivery, Event.type)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(WebhookDelivery.id < after["id"])
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    rows = session.execute(query).all()
    more, rows = len(rows) > limit, rows[:limit]
    items = _with_attempts(session, [(delivery, kind) for delivery, kind in rows])
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


def _with_attempts(session: Session, rows: list[tuple[WebhookDelivery, str]]) -> list[DeliveryRead]:
    attempts: dict[int, list[AttemptRead]] = defaultdict(list)
    ids = [delivery.id for delivery, _ in rows]
    if ids:
        for attempt in session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)).order_by(WebhookAttempt.id)
        ):
            attempts[attempt.delivery_id].append(AttemptRead.model_validate(attempt, from_attributes=True))
    return [delivery_read(delivery, kind, attempts[delivery.id or 0]) for delivery, kind in rows]


def delivery_read(delivery: WebhookDelivery, event_type: str, attempts: list[AttemptRead]) -> DeliveryRead:
    assert delivery.id is not None
    return DeliveryRead(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        message_id=message_id(delivery.seq),
        event_type=event_type,
        seq=delivery.seq,
        article_id=delivery.article_id,
        status=delivery.status,
        next_attempt_at=delivery.next_attempt_at if delivery.status == PENDING else None,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        attempts=attempts,
    )


def redeliver(session: Session, webhook_id: int, delivery_id: int, *, now: datetime) -> DeliveryRead:
    """Send a delivery again, now (after the webhook is re-enabled, if it is off); its attempts are kept."""
    webhook = get_webhook(session, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id) if 1 <= delivery_id <= MAX_INTEGER else None
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound(f"no delivery {delivery_id} for webhook {webhook_id}")
    delivery.status, delivery.attempts, delivery.next_attempt_at = PENDING, 0, now
    delivery.delivered_at = None
    session.add(delivery)
    session.flush()
    wakeup.deliveries_owed(session)
    kind = session.scalar(select(Event.type).where(Event.id == delivery.event_id))
    return _with_attempts(session, [(delivery, kind or "")])[0]
