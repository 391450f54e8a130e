"""Writing events in the transaction of the change, and numbering them in commit order."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from editorial.auth.principal import Principal
from editorial.db.direct import Direct
from editorial.db.models import Event, EventSequence, Webhook, WebhookDelivery
from editorial.lib.logging import request_id
from editorial.webhooks import wakeup

PENDING = "editorial.pending_events"
"""``session.info``: this transaction's events, numbered at its commit."""

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


@dataclass(slots=True)
class Pending:
    """An event of this transaction: written, with its ``seq`` and ``id``, when the transaction commits."""

    type: str
    article_id: int
    occurred_at: datetime
    actor: str
    data: dict[str, Any]
    savepoint: SessionTransaction | None
    """The savepoint it was emitted in: rolling that back drops the event."""
    seq: int | None = None
    id: int | None = None


# Events are rows nothing reads in the transaction that writes them: they are written at the commit,
# already numbered, with one plain INSERT rather than through the ORM's unit of work (which, with
# numbering them by an UPDATE afterwards, was a third of a transition's CPU).
_EVENTS = Event.__table__
_INSERT_EVENTS = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
_INSERT_EVENT = Direct(_INSERT_EVENTS, ["seq", "type", "article_id", "occurred_at", "actor", "data"])
ONE_BY_ONE = 2
"""Up to this many events (what one transition or save emits) are inserted a statement each, on the
driver's cursor; more (a scheduler's batch, a bulk request) in one statement through Core, whatever
their number."""
_TAKE_NUMBERS = Direct(
    update(EventSequence.__table__)
    .where(EventSequence.__table__.c.id == 1)
    .values(value=EventSequence.__table__.c.value + bindparam("count"))
    .returning(EventSequence.__table__.c.value)
)
_ACTIVE_WEBHOOKS = Direct(select(Webhook.id, Webhook.event_types).where(Webhook.active.is_(True)))
_INSERT_DELIVERY = insert(WebhookDelivery.__table__)


def emit(session: Session, kind: str, article_id: int, actor: Principal, now: datetime, **data: Any) -> Pending:
    """An event of the transaction (with the request id, if a request caused it), written when it commits.

    Emitted inside a savepoint that is rolled back, it is dropped with everything else the savepoint did.
    """
    assert kind in TYPES, kind
    if (rid := request_id.get()) != "-":
        data["request_id"] = rid
    if not session.in_transaction():
        session.begin()  # an event belongs to a transaction: one rolled back before any write still drops it
    pending = Pending(kind, article_id, now, actor.username, data, session.get_nested_transaction())
    session.info.setdefault(PENDING, []).append(pending)
    return pending


@sa_event.listens_for(Session, "before_commit")
def _number_events(session: Session) -> None:
    """Take the sequence lock as late as possible, and number this transaction's events under it."""
    if session.in_nested_transaction():
        # before_commit also fires when a savepoint is released: numbering there would take the lock
        # at the first savepoint and hold it for the rest of the transaction (a scheduler batch,
        # a bulk request), queueing every other writer behind it. Number at the real commit only.
        return
    pending: list[Pending] = session.info.pop(PENDING, [])
    if not pending:
        return
    session.flush()  # the transaction's other writes first: the lock is held from here to the commit
    connection = session.connection()
    (last,) = _TAKE_NUMBERS.first(connection, {"count": len(pending)})
    for offset, item in enumerate(pending):
        item.seq = last - len(pending) + offset + 1
    rows = [
        {"seq": e.seq, "type": e.type, "article_id": e.article_id, "occurred_at": e.occurred_at, "actor": e.actor}
        | {"data": e.data}
        for e in pending
    ]
    if len(rows) <= ONE_BY_ONE:
        ids = [_INSERT_EVENT.first(connection, row)[0] for row in rows]
    else:
        ids = list(connection.execute(_INSERT_EVENTS, rows).scalars())
    for item, event_id in zip(pending, ids, strict=True):
        item.id = event_id
        fields = {"event": item.type, "seq": item.seq, "article_id": item.article_id, "actor": item.actor}
        log.info("event %s seq %s", item.type, item.seq, extra={"fields": fields})
    _owe_deliveries(session, connection, pending)


def _owe_deliveries(session: Session, connection: Connection, events: list[Pending]) -> None:
    """One delivery per (active subscription, event it asked for), in the same transaction."""
    deliveries = [
        {
            "webhook_id": webhook_id,
            "event_id": item.id,
            "seq": item.seq,
            "article_id": item.article_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": item.occurred_at,
            "created_at": item.occurred_at,
        }
        for webhook_id, types in _ACTIVE_WEBHOOKS.rows(connection)
        for item in events
        if not types or item.type in types
    ]
    if deliveries:
        connection.execute(_INSERT_DELIVERY, deliveries)
        wakeup.deliveries_owed(session)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """A savepoint rolled back takes the events written in it (or in one inside it) with it."""
    if rolled_back.nested:
        pending: list[Pending] = session.info.get(PENDING, [])
        pending[:] = [e for e in pending if not _inside(e.savepoint, rolled_back)]


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (numbered already), rolled back, or closed without either
        session.info.pop(PENDING, None)
