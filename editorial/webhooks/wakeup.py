"""Waking delivery workers when deliveries become due: in this process and, on PostgreSQL, in others.

The outbox owes deliveries in its ``before_commit`` hook and marks the transaction, as does a
service that makes some due now (``deliveries_owed``): that sends ``NOTIFY editorial_webhooks`` on
PostgreSQL (delivered on commit) and wakes this process's workers after the commit.
"""

from __future__ import annotations

from typing import Protocol
from weakref import WeakSet

from sqlalchemy import event
from sqlalchemy.orm import Session

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


@event.listens_for(Session, "after_commit")
def _wake(session: Session) -> None:
    if session.info.pop(OWED, False):
        for worker in list(_workers):
            worker.wake()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(OWED, None)
