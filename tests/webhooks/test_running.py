"""Running the worker: ``editorial worker --once``, and inside the app as ``editorial serve`` does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from editorial.app import create_app
from editorial.cli import main
from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings, get_settings
from tests.support import Actor, make_user
from tests.webhooks.conftest import Emit, MakeWorker
from tests.webhooks.receiver import Receiver


@pytest.fixture
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The cached settings read from an environment naming the test database."""
    monkeypatch.setenv("EDITORIAL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EDITORIAL_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_editorial_worker_once_sends_what_is_due(
    environment: None, hook: dict[str, Any], receiver: Receiver, emit: Emit
) -> None:
    emit((1, "article.created"), (2, "article.created"))
    result = CliRunner().invoke(main, ["worker", "--once"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("2 attempts, 2 delivered, 0 failed")
    assert len(receiver.verified(hook["secret"])) == 2


def test_the_in_process_worker_is_woken_by_a_change(
    settings: Settings, clock: FrozenClock, db: Database, receiver: Receiver
) -> None:
    app = create_app(settings, clock=clock, db=db, run_worker=True)
    _, token = make_user(db, clock, "boss", "admin")
    _, writer_token = make_user(db, clock, "scribe", "writer:news")
    with TestClient(app) as client:
        admin, writer = Actor(client, "boss", token), Actor(client, "scribe", writer_token)
        hook = admin.post("/api/v1/webhooks", json={"url": receiver.url}).json()
        article = writer.create()
        receiver.wait_for(1)
    [payload] = receiver.verified(hook["secret"])
    assert (payload["type"], payload["data"]["article_id"]) == ("article.created", article["id"])


def test_a_pass_runs_from_a_thread_whose_own_event_loop_is_running(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker
) -> None:
    """As in an async application or a test harness that keeps a loop running in the caller's thread."""
    emit((1, "article.created"))
    worker = make_worker()

    async def inside_a_running_loop() -> list[bool]:
        return [result.ok for result in worker.run_once()]

    with ThreadPoolExecutor(1) as thread:  # a fresh thread: this one may have a loop left running by other tests
        assert thread.submit(asyncio.run, inside_a_running_loop()).result() == [True]
    assert len(receiver.verified(hook["secret"])) == 1
