"""Delivery: signed per Standard Webhooks, at least once, in order per article, through outages and restarts."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from editorial.auth.principal import SYSTEM
from editorial.db import Database
from editorial.db.models import WebhookAttempt, WebhookDelivery
from editorial.events import outbox
from editorial.lib.clock import FrozenClock
from editorial.webhooks import delivery, wakeup
from editorial.webhooks.delivery import lease_seconds
from tests.support import Actor
from tests.webhooks.conftest import Emit, MakeWorker
from tests.webhooks.receiver import Receiver

LONGEST_BACK_OFF = timedelta(hours=2)


def in_order_per_article(payloads: list[dict[str, Any]]) -> dict[int, list[int]]:
    """Each article's event numbers in order of arrival (first arrival of each)."""
    seen: dict[int, list[int]] = defaultdict(list)
    for payload in payloads:
        data = payload["data"]
        if data["id"] not in seen[data["article_id"]]:
            seen[data["article_id"]].append(data["id"])
    return seen


def test_a_delivery_is_signed_and_verifies_with_standardwebhooks(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, clock: FrozenClock
) -> None:
    [seq] = emit((7, "article.published"), live_revision=3, slug="ferry")
    [result] = make_worker().run_once()
    assert result.ok
    [request] = receiver.received
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == f"evt_{seq}"
    assert request.headers["webhook-signature"].startswith("v1,")
    payload = Verifier(hook["secret"]).verify(request.body, request.headers)
    assert payload == {
        "type": "article.published",
        "timestamp": clock.now().isoformat().replace("+00:00", "Z"),
        "data": {"id": seq, "article_id": 7, "actor": "system", "live_revision": 3, "slug": "ferry"},
    }
    tampered = request.body.replace(b"ferry", b"fairy")
    with pytest.raises(WebhookVerificationError, match="signature"):
        Verifier(hook["secret"]).verify(tampered, request.headers)
    assert make_worker().run_once() == []


def test_the_workflow_events_of_an_article_arrive_in_order(
    newsroom: dict[str, Actor], hook: dict[str, Any], receiver: Receiver, make_worker: MakeWorker
) -> None:
    writer, editor = newsroom["writer"], newsroom["opinion_editor"]
    article = writer.create(desk="opinion")
    writer.save(article, body="A second draft.")
    writer.must(article, "submit")
    editor.must(article, "approve")
    make_worker().run_once()
    payloads = receiver.verified(hook["secret"])
    assert [p["type"] for p in payloads] == [
        "article.created",
        "article.revised",
        "article.transitioned",
        "article.transitioned",
    ]
    assert {p["data"]["article_id"] for p in payloads} == {article["id"]}
    assert [p["data"]["actor"] for p in payloads] == ["writer", "writer", "writer", "opinion-editor"]
    assert [p["data"]["id"] for p in payloads] == sorted(p["data"]["id"] for p in payloads)


def test_an_outage_loses_nothing_and_a_duplicate_keeps_its_webhook_id(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, clock: FrozenClock, db: Database
) -> None:
    receiver.stop()  # down: connections refused
    seqs = emit((1, "article.created"), (2, "article.created"), (1, "article.revised"))
    failed = make_worker().run_once()
    assert len(failed) == 2, "one attempt per article: the second event of article 1 waits for the first"
    assert all(not r.ok and "ConnectError" in (r.error or "") for r in failed)

    receiver.start()
    receiver.answer = lambda _: 500  # up, but failing
    seqs += emit((3, "article.created"), (2, "article.revised"), (1, "article.transitioned"))
    clock.advance(LONGEST_BACK_OFF)
    failed = make_worker().run_once()  # a new worker each time: as if the service restarted in between
    assert len(failed) == 3
    assert all(r.status_code == 500 and (r.error or "").startswith("HTTP 500") for r in failed)

    slow = f"evt_{seqs[1]}"
    answered_late: set[str] = set()

    def recovering(request: Any) -> int:
        if request.message_id == slow and slow not in answered_late:  # processed, but after the worker gave up
            answered_late.add(slow)
            threading.Event().wait(0.5)
        return 200

    receiver.answer = recovering
    seqs += emit((2, "article.transitioned"))
    clock.advance(LONGEST_BACK_OFF)
    make_worker(webhook_timeout_seconds=0.2).run_once()
    clock.advance(LONGEST_BACK_OFF)
    make_worker().run_once()
    receiver.settle()

    payloads = receiver.verified(hook["secret"])
    delivered = [r.message_id for r in receiver.delivered()]
    assert set(delivered) == {f"evt_{seq}" for seq in seqs}, "every event arrived"
    assert delivered.count(slow) == 2, "the late answer was not seen: sent again, with the same webhook-id"
    assert len(delivered) == len(seqs) + 1
    bodies = {r.body for r in receiver.received if r.message_id == slow}
    assert len(bodies) == 1, "a duplicate carries the same body too"
    for article, numbers in in_order_per_article(payloads).items():
        assert numbers == sorted(numbers), f"article {article} out of order: {numbers}"
    with db.transaction(write=False) as session:
        statuses = session.exec(select(WebhookDelivery.status)).all()
        assert set(statuses) == {"delivered"}
        assert session.scalar(select(func.count()).select_from(WebhookAttempt)) == len(receiver.received) + 2


def test_an_article_waits_behind_its_failing_event_while_others_go_on(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, clock: FrozenClock
) -> None:
    first = emit((1, "article.created"), (2, "article.created"))
    stuck = f"evt_{first[0]}"
    receiver.answer = lambda request: 503 if request.message_id == stuck else 200
    later = emit((1, "article.revised"), (2, "article.revised"), (1, "article.transitioned"), (2, "article.published"))
    worker = make_worker()
    worker.run_once()
    arrived = [r.message_id for r in receiver.delivered()]
    assert arrived == [f"evt_{seq}" for seq in (first[1], later[1], later[3])], "article 2 went on, article 1 waited"
    assert 0 < worker.seconds_until_due() <= 6, "sleeps until article 1's retry, though its later events are older"

    receiver.answer = lambda _: 200
    clock.advance(LONGEST_BACK_OFF)
    worker.run_once()
    arrived = [r.message_id for r in receiver.delivered()]
    assert arrived[3:] == [f"evt_{seq}" for seq in (first[0], later[0], later[2])]
    assert in_order_per_article(receiver.verified(hook["secret"])) == {
        1: [first[0], later[0], later[2]],
        2: [first[1], later[1], later[3]],
    }


def test_a_restart_between_claim_and_record_loses_nothing(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, clock: FrozenClock, settings: Any
) -> None:
    seqs = emit((1, "article.created"), (2, "article.created"))
    crashed = make_worker()
    assert len(crashed.claim()) == 2  # leased and committed; then the process dies before sending
    crashed.close()
    survivor = make_worker()
    assert survivor.run_once() == [], "the lease holds"
    clock.advance(timedelta(seconds=lease_seconds(settings) + 1))
    assert [r.ok for r in survivor.run_once()] == [True, True]
    # Two articles, sent at once: only each article's own order is promised.
    assert sorted(r.message_id for r in receiver.received) == sorted(f"evt_{seq}" for seq in seqs)

    [seq] = emit((1, "article.revised"))
    crashed = make_worker()
    [sent] = crashed.send(crashed.claim())  # sent and received; the process dies before recording it
    assert sent.ok
    crashed.close()
    clock.advance(timedelta(seconds=lease_seconds(settings) + 1))
    [again] = make_worker().run_once()
    assert again.ok
    ids = [r.message_id for r in receiver.received]
    assert ids.count(f"evt_{seq}") == 2, "at least once: sent again, with the same webhook-id"
    receiver.verified(hook["secret"])


def test_a_run_of_failures_disables_the_webhook_and_re_enabling_sends_what_it_missed(
    newsroom: dict[str, Actor],
    hook: dict[str, Any],
    receiver: Receiver,
    emit: Emit,
    make_worker: MakeWorker,
    clock: FrozenClock,
) -> None:
    admin = newsroom["admin"]
    receiver.answer = lambda _: 503
    before = emit((1, "article.created"))
    worker = make_worker(webhook_disable_after_failures=3)
    for _ in range(3):
        worker.run_once()
        clock.advance(LONGEST_BACK_OFF)
    state = admin.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert (state["active"], state["consecutive_failures"]) == (False, 3)
    assert state["disabled_reason"].startswith("disabled after 3 failed attempts in a row; the last: HTTP 503")

    during = emit((1, "article.revised"), (2, "article.created"))  # written while it is off
    assert worker.run_once() == [], "nothing is sent while it is off"
    pending = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"status": "pending"}).json()["items"]
    assert [d["seq"] for d in pending] == before

    receiver.answer = lambda _: 200
    enabled = admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True})
    assert enabled.status_code == 200, enabled.text
    assert (enabled.json()["active"], enabled.json()["disabled_reason"], enabled.json()["consecutive_failures"]) == (
        True,
        None,
        0,
    )
    assert worker._woken.is_set(), "re-enabling wakes the worker"
    assert all(r.ok for r in worker.run_once())
    assert in_order_per_article(receiver.verified(hook["secret"])) == {1: [before[0], during[0]], 2: [during[1]]}
    assert len(admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]) == 3


def test_a_delivery_failing_alone_is_given_up_and_its_article_goes_on(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, clock: FrozenClock, db: Database
) -> None:
    [poison, other] = emit((1, "article.created"), (2, "article.created"))
    receiver.answer = lambda request: 422 if request.message_id == f"evt_{poison}" else 200
    worker = make_worker(webhook_max_attempts=2, webhook_disable_after_failures=5)
    worker.run_once()
    [after_poison, after_other] = emit((1, "article.revised"), (2, "article.revised"))
    clock.advance(LONGEST_BACK_OFF)
    worker.run_once()
    with db.transaction(write=False) as session:
        given_up = session.exec(select(WebhookDelivery).where(WebhookDelivery.seq == poison)).one()
        assert (given_up.status, given_up.attempts, given_up.last_status_code) == ("failed", 2, 422)
    assert [r.message_id for r in receiver.delivered()] == [f"evt_{s}" for s in (other, after_other, after_poison)]


def test_a_worker_is_woken_by_new_deliveries_and_sleeps_until_the_next_is_due(
    hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker, db: Database
) -> None:
    slept: list[float] = []

    def wait(woken: threading.Event, seconds: float) -> None:
        slept.append(seconds)
        worker.stop()

    worker = make_worker(wait=wait, webhook_max_sleep_seconds=17)
    assert not worker._woken.is_set()
    with db.transaction() as session:  # a change rolled back owes nothing and wakes nobody
        outbox.emit(session, "article.created", 1, SYSTEM, datetime.now(UTC))
        session.rollback()
    assert not worker._woken.is_set()
    [seq] = emit((1, "article.created"))
    assert worker._woken.is_set()
    worker.run()
    assert slept == [17], "nothing left to send: it sleeps for the longest allowed"
    assert [r.message_id for r in receiver.received] == [f"evt_{seq}"]


def test_postgresql_workers_in_other_processes_are_notified(
    hook: dict[str, Any], emit: Emit, db: Database, settings: Any
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's")
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as listener:
        listener.execute(f"LISTEN {wakeup.CHANNEL}")
        emit((1, "article.created"), (2, "article.created"))
        notes = list(listener.notifies(timeout=5, stop_after=1))
    assert [n.channel for n in notes] == [wakeup.CHANNEL]


def test_postgresql_workers_claim_different_deliveries(
    hook: dict[str, Any], emit: Emit, db: Database, clock: FrozenClock, settings: Any
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    emit(*[(article, "article.created") for article in range(1, 7)])
    with db.transaction() as first, db.transaction() as second:
        mine = delivery.claim_due(first, clock.now(), 4, settings)
        theirs = delivery.claim_due(second, clock.now(), 10, settings)  # while the first still holds its rows
    assert (len(mine), len(theirs)) == (4, 2)
    assert not {c.delivery_id for c in mine} & {c.delivery_id for c in theirs}


def test_a_worker_pauses_while_another_holds_the_due_deliveries(
    hook: dict[str, Any], emit: Emit, db: Database, clock: FrozenClock, settings: Any, make_worker: MakeWorker
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    emit((1, "article.created"))
    slept: list[float] = []

    def wait(woken: threading.Event, seconds: float) -> None:
        slept.append(seconds)
        worker.stop()

    worker = make_worker(wait=wait)
    with db.transaction() as other:
        assert len(delivery.claim_due(other, clock.now(), 10, settings)) == 1  # claimed, not yet committed
        worker.run()
        other.rollback()
    assert slept == [0.05], "a short pause, not a spin and not the longest sleep"
