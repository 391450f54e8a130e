"""Pruning: delivered deliveries older than the retention go with their attempts; what is still owed stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from editorial.db import Database
from editorial.db.models import WebhookAttempt, WebhookDelivery
from editorial.lib.clock import FrozenClock
from tests.support import Actor
from tests.webhooks.conftest import Emit, MakeWorker
from tests.webhooks.receiver import Receiver

DAY = timedelta(days=1)


def kept(db: Database) -> tuple[dict[int, str], int]:
    """seq -> status of every delivery left, and how many attempts are left."""
    with db.transaction(write=False) as session:
        deliveries = dict(session.execute(select(WebhookDelivery.seq, WebhookDelivery.status)).all())
        attempts = session.scalar(select(func.count()).select_from(WebhookAttempt)) or 0
    return deliveries, attempts


def test_delivered_deliveries_past_the_retention_are_pruned_once_per_interval(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, clock: FrozenClock, db: Database
) -> None:
    old = emit((1, "article.created"), (2, "article.created"), (3, "article.created"))
    stuck = f"evt_{old[2]}"
    receiver.answer = lambda request: 503 if request.message_id == stuck else 200
    worker = make_worker(webhook_retention_days=1, webhook_prune_interval_seconds=2 * DAY.total_seconds())
    worker.run_once()
    assert kept(db) == ({old[0]: "delivered", old[1]: "delivered", old[2]: "pending"}, 3)

    clock.advance(DAY / 2)
    assert worker.prune_if_due() == 0, "pruned at the first pass; the next is an interval later"
    clock.advance(2 * DAY)
    receiver.answer = lambda request: 503 if request.message_id == stuck else 200
    new = emit((4, "article.created"))
    worker.run_once()  # delivers the new one, then prunes: the first two are past the retention
    deliveries, attempts = kept(db)
    assert deliveries == {old[2]: "pending", new[0]: "delivered"}, "the one still owed stays, whatever its age"
    assert attempts == 2 + 1, "the pending one's two attempts and the new one's"

    clock.advance(DAY * 1.5)
    assert worker.prune_if_due() == 0, "within the interval"
    clock.advance(DAY)
    assert worker.prune_if_due() == 0, "the webhook's newest delivery is kept, however old"
    assert kept(db)[0] == {old[2]: "pending", new[0]: "delivered"}


def test_a_retention_of_zero_keeps_everything(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, clock: FrozenClock, db: Database
) -> None:
    seqs = emit((1, "article.created"), (2, "article.created"))
    worker = make_worker(webhook_retention_days=0)
    worker.run_once()
    clock.advance(DAY * 400)
    emit((3, "article.created"))
    worker.run_once()
    assert worker.prune_if_due() == 0
    assert set(kept(db)[0]) >= set(seqs)


def test_a_webhook_re_enabled_after_its_log_was_pruned_is_owed_what_it_missed(
    newsroom: dict[str, Actor],
    hook: dict[str, Any],
    receiver: Receiver,
    emit: Emit,
    make_worker: MakeWorker,
    clock: FrozenClock,
) -> None:
    admin = newsroom["admin"]
    worker = make_worker(webhook_retention_days=1, webhook_prune_interval_seconds=60)
    first = emit((1, "article.created"), (2, "article.created"))
    worker.run_once()
    assert admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}).status_code == 200
    clock.advance(DAY * 3)
    assert worker.prune_if_due() == 1, "all but the newest"
    missed = emit((1, "article.revised"))
    assert admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True}).status_code == 200
    assert [r.ok for r in worker.run_once()] == [True]
    delivered = [r.message_id for r in receiver.delivered()]
    assert sorted(delivered[:2]) == sorted(f"evt_{seq}" for seq in first), "two articles, sent at once: any order"
    assert delivered[2:] == [f"evt_{missed[0]}"]
