"""Waking delivery workers when deliveries become due: in this process and, on PostgreSQL, in others.

The outbox owes deliveries in its ``before_commit`` hook; a flush of new deliveries (or a service
that makes some due now) marks the transaction, which sends ``NOTIFY editorial_webhooks`` on
PostgreSQL (delivered on commit) and wakes this process's workers after the commit.
"""

from __future__ import annotations

from typing import Any, Protocol
from weakref import WeakSet

from sqlalchemy import event
from sqlalchemy.orm import Session

from editorial.db.models import WebhookDelivery

CHANNEL = "editorial_webhooks"
OWED = "editorial.webhook_deliveries_owed"


class Wakeable(Protocol):
    def wake(self) -> None: ...


_workers: WeakSet[Wakeable] = WeakSet()


def register(worker: Wakeable) -> None:
    """Wake ``worker`` after every commit in this process that made deliveries due (while it lives)."""
    _workers.add(worker)


def deliveries_owed(session: Session) -> None:
    """Mark the transaction: on commit, delivery workers wake up."""
    if session.info.get(OWED):
        return
    session.info[OWED] = True
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {CHANNEL}")


@event.listens_for(Session, "after_flush")
def _new_deliveries(session: Session, _context: Any) -> None:
    if not session.info.get(OWED) and any(isinstance(item, WebhookDelivery) for item in session.new):
        deliveries_owed(session)


@event.listens_for(Session, "after_commit")
def _wake(session: Session) -> None:
    if session.info.pop(OWED, False):
        for worker in list(_workers):
            worker.wake()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(OWED, None)
