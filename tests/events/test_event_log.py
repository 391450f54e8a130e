"""The event log: every change, in commit order, from a cursor that never skips or goes back."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from editorial.auth.principal import SYSTEM
from editorial.db.models import Event, Webhook, WebhookDelivery
from editorial.events import outbox
from editorial.lib.clock import FrozenClock
from tests.conftest import BACKEND
from tests.support import Actor


def all_events(actor: Actor, **params: Any) -> list[dict[str, Any]]:
    events, cursor = [], None
    while True:
        page = actor.get("/api/v1/events", params={**params, **({"after": cursor} if cursor else {})}).json()
        events += page["items"]
        if not page["items"]:
            return events
        cursor = page["next_cursor"]


def test_a_lifecycle_writes_every_kind_of_event(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer, editor, checker, publisher = (newsroom[k] for k in ("writer", "news_editor", "fact_checker", "publisher"))
    article = writer.create()
    writer.save(article, body="Second draft.", message="tightened")
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    checker.must(article, "pass_fact_check")
    publisher.must(article, "schedule", publish_at=(clock.now() + timedelta(hours=1)).isoformat())
    publisher.must(article, "unschedule")
    publisher.must(article, "publish")
    editor.save(article, body="Corrected.")
    editor.must(article, "send_to_fact_check")
    checker.must(article, "pass_fact_check")
    publisher.must(article, "publish", correction="An earlier version misstated the date.")
    editor.must(article, "unpublish", comment="Legal.")
    events = all_events(newsroom["admin"])
    kinds = [(e["type"], e["data"].get("transition")) for e in events]
    assert kinds == [
        ("article.created", None),
        ("article.revised", None),
        ("article.transitioned", "submit"),
        ("article.transitioned", "send_to_fact_check"),
        ("article.transitioned", "pass_fact_check"),
        ("article.scheduled", None),
        ("article.transitioned", "schedule"),
        ("article.unscheduled", None),
        ("article.transitioned", "unschedule"),
        ("article.published", None),
        ("article.transitioned", "publish"),
        ("article.revised", None),
        ("article.transitioned", "edit"),
        ("article.transitioned", "send_to_fact_check"),
        ("article.transitioned", "pass_fact_check"),
        ("article.updated_live", None),
        ("article.transitioned", "publish"),
        ("article.unpublished", None),
        ("article.transitioned", "unpublish"),
    ]
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    updated = next(e for e in events if e["type"] == "article.updated_live")
    assert len(updated["data"].pop("request_id")) == 32  # the id of the request that caused it
    assert updated["data"] == {
        "live_revision": 3,
        "previous_live_revision": 2,
        "correction": "An earlier version misstated the date.",
        "slug": article["slug"],
    }
    submit = events[2]
    assert (submit["actor"], submit["data"]["from_state"], submit["data"]["to_state"]) == ("writer", "draft", "editing")


def test_paging_filters_and_an_empty_page_keeps_the_cursor(newsroom: dict[str, Actor]) -> None:
    writer, admin = newsroom["writer"], newsroom["admin"]
    for n in range(5):
        writer.create(title=f"Story {n}")
    first = admin.get("/api/v1/events", params={"limit": 2}).json()
    assert [e["id"] for e in first["items"]] == [1, 2]
    rest = admin.get("/api/v1/events", params={"after": first["next_cursor"]}).json()
    assert [e["id"] for e in rest["items"]] == [3, 4, 5]
    empty = admin.get("/api/v1/events", params={"after": rest["next_cursor"]}).json()
    assert empty == {"items": [], "next_cursor": rest["next_cursor"]}
    writer.create(title="Later")
    assert [e["id"] for e in admin.get("/api/v1/events", params={"after": empty["next_cursor"]}).json()["items"]] == [6]
    only = admin.get("/api/v1/events", params={"types": "article.transitioned"}).json()
    assert only["items"] == []
    assert admin.get("/api/v1/events", params={"types": "article.deleted"}).status_code == 422
    assert admin.get("/api/v1/events", params={"after": "bogus"}).status_code == 422


def test_refused_or_rolled_back_changes_write_no_event(newsroom: dict[str, Actor]) -> None:
    writer, editor, admin = newsroom["writer"], newsroom["news_editor"], newsroom["admin"]
    article = writer.create()
    writer.must(article, "submit")
    before = len(all_events(admin))
    assert editor.fire(article, "return_to_writer").status_code == 422
    assert writer.fire(article, "send_to_fact_check").status_code == 403
    bulk = editor.post(
        "/api/v1/workflow/bulk",
        json={"items": [{"article": article["id"], "transition": "return_to_writer"}]},
    )
    assert bulk.json()["failed"] == 1
    assert len(all_events(admin)) == before


def test_who_may_read_the_event_log(newsroom: dict[str, Actor], db: Any, clock: FrozenClock) -> None:
    assert newsroom["writer"].get("/api/v1/events").status_code == 403
    assert newsroom["news_editor"].get("/api/v1/events").status_code == 403
    assert newsroom["robot"].get("/api/v1/events").status_code == 200
    assert newsroom["admin"].get("/api/v1/events").status_code == 200


def test_cursor_never_skips_with_concurrent_writers(live_server: str, newsroom: dict[str, Actor]) -> None:
    """A reader polls while several clients write; it reads every event exactly once, in order."""
    writers = 4
    per_writer = 15
    done = threading.Event()
    seen: list[int] = []

    def write(n: int) -> None:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            for i in range(per_writer):
                response = http.post(
                    "/api/v1/articles",
                    json={"desk": "news", "title": f"W{n} story {i}", "body": "Body."},
                    headers=newsroom["writer"].headers,
                )
                assert response.status_code == 201

    def read() -> None:
        cursor = None
        with httpx.Client(base_url=live_server, timeout=30) as http:
            while True:
                finished = done.is_set()
                page = http.get(
                    "/api/v1/events",
                    params={"limit": 7, **({"after": cursor} if cursor else {})},
                    headers=newsroom["admin"].headers,
                ).json()
                seen.extend(e["id"] for e in page["items"])
                cursor = page["next_cursor"]
                if finished and not page["items"]:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    assert seen == list(range(1, writers * per_writer + 1))  # every event, each once, in order


def test_scoped_automation_tokens_reach_only_their_scopes(
    newsroom: dict[str, Actor], db: Any, clock: FrozenClock
) -> None:
    writer, editor = newsroom["writer"], newsroom["opinion_editor"]
    robot, admin = newsroom["robot"], newsroom["admin"]

    def scoped(*scopes: str) -> Actor:
        response = admin.post("/api/v1/users/robot/tokens", json={"name": "ci", "scopes": list(scopes)})
        assert response.status_code == 201, response.text
        assert response.json()["scopes"] == sorted(scopes)
        return Actor(robot.client, "robot", response.json()["token"])

    article = writer.create(desk="opinion")
    writer.must(article, "submit")
    editor.must(article, "approve")
    publisher = scoped("publish:write")
    refused = publisher.fire(article, "schedule", publish_at=(clock.now() + timedelta(hours=1)).isoformat())
    assert refused.status_code == 403
    assert "publish:write" in refused.json()["detail"]
    assert publisher.get(f"/api/v1/articles/{article['id']}").status_code == 403
    assert publisher.get("/api/v1/events").status_code == 403
    assert publisher.must(article, "publish")["state"] == "published"
    reader = scoped("articles:read", "events:read")
    assert reader.get(f"/api/v1/articles/{article['id']}").status_code == 200
    assert reader.get("/api/v1/events").status_code == 200
    assert reader.fire(article, "unpublish", comment="x").status_code == 403
    bad = admin.post("/api/v1/users/robot/tokens", json={"scopes": ["everything"]})
    assert bad.status_code == 422


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has one writer at a time: the interleaving cannot happen")
def test_an_event_written_first_but_committed_last_is_not_skipped(newsroom: dict[str, Actor], db: Any) -> None:
    admin = newsroom["admin"]
    slow, fast = db.session(), db.session()
    now = FrozenClock().now()
    try:
        outbox.emit(slow, "article.created", 101, SYSTEM, now)
        slow.flush()  # its row exists (and would own the lower id) before the other transaction starts
        outbox.emit(fast, "article.created", 102, SYSTEM, now)
        fast.commit()
        first = admin.get("/api/v1/events").json()
        assert [e["article_id"] for e in first["items"]] == [102]
        slow.commit()
        later = admin.get("/api/v1/events", params={"after": first["next_cursor"]}).json()
        assert [e["article_id"] for e in later["items"]] == [101]
    finally:
        slow.close()
        fast.close()


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has one writer at a time")
def test_a_released_savepoint_does_not_hold_the_sequence_lock(db: Any) -> None:
    """Events are numbered at the real commit: a savepoint (one scheduler firing, one bulk item) must not
    take the sequence lock and keep every other writer waiting until its whole transaction ends."""
    batch, other = db.session(), db.session()
    now = FrozenClock().now()
    try:
        savepoint = batch.begin_nested()
        outbox.emit(batch, "article.created", 201, SYSTEM, now)
        savepoint.commit()  # the batch goes on with more items, its transaction still open
        other.execute(text("SET LOCAL lock_timeout = '2s'"))
        outbox.emit(other, "article.created", 202, SYSTEM, now)
        other.commit()  # would fail with "canceling statement due to lock timeout" if the lock were held
        batch.commit()
        with db.transaction(write=False) as session:
            numbered = session.execute(select(Event.article_id, Event.seq).order_by(Event.seq)).all()
        assert numbered == [(202, 1), (201, 2)]
    finally:
        batch.close()
        other.close()


def test_an_event_rolled_back_with_its_savepoint_is_neither_numbered_nor_owed(db: Any) -> None:
    """Events are written at once, inside whatever savepoint is open: one rolled back (a refused bulk
    item, a failed scheduler firing) takes its event with it, and the numbers stay gapless."""
    now = FrozenClock().now()
    with db.transaction() as session:
        session.add(Webhook(url="https://example.org/hook", secret="s" * 32, created_at=now))
    with db.transaction() as session:
        outbox.emit(session, "article.created", 301, SYSTEM, now)
        savepoint = session.begin_nested()
        outbox.emit(session, "article.created", 302, SYSTEM, now)
        savepoint.rollback()
        kept = outbox.emit(session, "article.created", 303, SYSTEM, now)
    assert kept.seq == 2
    with db.transaction(write=False) as session:
        events = session.execute(select(Event.article_id, Event.seq).order_by(Event.id)).all()
        owed = session.scalars(select(WebhookDelivery.article_id).order_by(WebhookDelivery.seq)).all()
    assert events == [(301, 1), (303, 2)]
    assert owed == [301, 303]
