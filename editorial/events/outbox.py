"""Writing events in the transaction of the change, and numbering them in commit order."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from editorial.auth.principal import Principal
from editorial.db.models import Event, EventSequence, Webhook, WebhookDelivery
from editorial.lib.logging import request_id

PENDING = "editorial.pending_events"

TYPES = (
    "article.created",
    "article.revised",
    "article.transitioned",
    "article.scheduled",
    "article.unscheduled",
    "article.published",
    "article.updated_live",
    "article.unpublished",
)
log = logging.getLogger("editorial.events")


def emit(session: Session, kind: str, article_id: int, actor: Principal, now: datetime, **data: Any) -> Event:
    """Add an event to the transaction (with the request id, if a request caused it); numbered at commit."""
    assert kind in TYPES, kind
    if (rid := request_id.get()) != "-":
        data["request_id"] = rid
    event = Event(type=kind, article_id=article_id, occurred_at=now, actor=actor.username, data=data)
    session.add(event)
    session.info.setdefault(PENDING, []).append(event)
    return event


@sa_event.listens_for(Session, "before_commit")
def _number_events(session: Session) -> None:
    """Take the sequence lock as late as possible, and number this transaction's events under it."""
    if session.in_nested_transaction():
        # before_commit also fires when a savepoint is released: numbering there would take the lock
        # at the first savepoint and hold it for the rest of the transaction (a scheduler batch,
        # a bulk request), queueing every other writer behind it. Number at the real commit only.
        return
    pending = [e for e in session.info.pop(PENDING, []) if e in session]
    if not pending:
        return
    session.flush()
    last = session.execute(
        update(EventSequence)
        .where(EventSequence.id == 1)
        .values(value=EventSequence.value + len(pending))
        .returning(EventSequence.value)
    ).scalar_one()
    for offset, item in enumerate(sorted(pending, key=lambda e: e.id or 0)):
        item.seq = last - len(pending) + offset + 1
        fields = {"event": item.type, "seq": item.seq, "article_id": item.article_id, "actor": item.actor}
        log.info("event %s seq %s", item.type, item.seq, extra={"fields": fields})
    _owe_deliveries(session, pending)
    session.flush()


def _owe_deliveries(session: Session, events: list[Event]) -> None:
    """One delivery per (active subscription, event it asked for), in the same transaction."""
    webhooks = session.execute(select(Webhook.id, Webhook.event_types).where(Webhook.active.is_(True))).all()
    for webhook_id, types in webhooks:
        for item in events:
            if not types or item.type in types:
                assert item.id is not None
                assert item.seq is not None
                session.add(
                    WebhookDelivery(
                        webhook_id=webhook_id,
                        event_id=item.id,
                        seq=item.seq,
                        article_id=item.article_id,
                        status="pending",
                        next_attempt_at=item.occurred_at,
                        created_at=item.occurred_at,
                    )
                )


@sa_event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING, None)
