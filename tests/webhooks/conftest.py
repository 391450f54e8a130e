"""Fixtures for the webhook tests: a receiver, a subscription to it, events, and delivery workers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from editorial.auth.principal import SYSTEM
from editorial.db import Database
from editorial.events import outbox
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from editorial.webhooks.worker import DeliveryWorker
from tests.support import Actor
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    if server._server is not None:
        server.stop()


@pytest.fixture
def hook(newsroom: dict[str, Actor], receiver: Receiver) -> dict[str, Any]:
    """A webhook for every event type, pointing at the receiver (with its secret)."""
    response = newsroom["admin"].post("/api/v1/webhooks", json={"url": receiver.url, "description": "tests"})
    assert response.status_code == 201, response.text
    return response.json()


Emit = Callable[..., list[int]]


@pytest.fixture
def emit(db: Database, clock: FrozenClock) -> Emit:
    """Commit events: ``emit((article_id, type), ...)`` in one transaction; returns their seq numbers."""

    def emit_events(*events: tuple[int, str], **data: Any) -> list[int]:
        with db.transaction() as session:
            written: list[outbox.Pending] = [
                outbox.emit(session, kind, article_id, SYSTEM, clock.now(), **data) for article_id, kind in events
            ]
        return [event.seq or 0 for event in written]

    return emit_events


MakeWorker = Callable[..., DeliveryWorker]


@pytest.fixture
def make_worker(db: Database, clock: FrozenClock, settings: Settings) -> Iterator[MakeWorker]:
    """Delivery workers on the test database and clock; keyword arguments override settings."""
    made: list[DeliveryWorker] = []

    def make(*, wait: Callable[[threading.Event, float], Any] | None = None, **overrides: Any) -> DeliveryWorker:
        worker = DeliveryWorker(
            db, clock, settings=settings.model_copy(update=overrides), name=f"test-{len(made)}", wait=wait
        )
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.close()
