"""Pruning the delivery log: deliveries delivered longer ago than the retention, with their attempts.

Pending and failed deliveries are kept whatever their age (they are still owed, or may be
redelivered), and so is each webhook's newest delivery: re-enabling a webhook owes it every event
after its newest delivery, so that one must outlive any retention.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from editorial.db import Database
from editorial.db.models import Webhook, WebhookDelivery
from editorial.webhooks.services import DELIVERED

CHUNK = 1000
"""Deliveries deleted per transaction, so that no prune holds SQLite's write lock for long."""


def prune_delivered(db: Database, before: datetime) -> int:
    """Delete deliveries delivered before ``before`` with their attempts, a chunk per transaction; how many."""
    with db.transaction(write=False) as session:
        newest = [
            session.scalar(select(func.max(WebhookDelivery.id)).where(WebhookDelivery.webhook_id == webhook_id))
            for webhook_id in session.scalars(select(Webhook.id))
        ]
    keep = [delivery_id for delivery_id in newest if delivery_id is not None]
    pruned = 0
    while True:
        with db.transaction() as session:
            ids = list(
                session.scalars(
                    select(WebhookDelivery.id)
                    .where(
                        WebhookDelivery.status == DELIVERED,
                        # Its last lease ends at most one lease after it was delivered: this bound
                        # only leaves the rows delivered just before the cutoff to the next prune,
                        # and lets the (status, next_attempt_at) index find the rows.
                        WebhookDelivery.next_attempt_at < before,
                        WebhookDelivery.delivered_at < before,
                        WebhookDelivery.id.not_in(keep),
                    )
                    .limit(CHUNK)
                )
            )
            if ids:  # the attempts go with them (ON DELETE CASCADE)
                session.execute(
                    delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == DELIVERED)
                )
        if not ids:
            return pruned
        pruned += len(ids)
