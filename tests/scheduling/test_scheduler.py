"""The scheduler with an injected clock: on time, catch-up, takedowns, rescheduling, back-off, health."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from editorial.db import Database
from editorial.db.models import Article, ScheduleFiring
from editorial.lib.clock import FrozenClock
from editorial.scheduling.services import fire_due
from editorial.scheduling.worker import Scheduler
from tests.support import Actor


def ready(newsroom: dict[str, Actor], **overrides: Any) -> dict[str, Any]:
    writer, editor = newsroom["writer"], newsroom["opinion_editor"]
    article = writer.create(desk="opinion", **overrides)
    writer.must(article, "submit")
    return editor.must(article, "approve")


def schedule(newsroom: dict[str, Actor], clock: FrozenClock, after: timedelta, **fields: Any) -> dict[str, Any]:
    article = ready(newsroom)
    return newsroom["publisher"].must(article, "schedule", publish_at=(clock.now() + after).isoformat(), **fields)


def history(actor: Actor, article: dict[str, Any]) -> list[tuple[str, str, str]]:
    items = actor.get(f"/api/v1/articles/{article['id']}/history").json()["items"]
    return [(h["actor"], h["transition"], h["to_state"]) for h in items]


def firings(db: Database) -> list[tuple[int, str, str, float]]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                ScheduleFiring.article_id,
                ScheduleFiring.action,
                ScheduleFiring.outcome,
                ScheduleFiring.lateness_seconds,
            ).order_by(ScheduleFiring.id)
        )
        return [tuple(row) for row in rows]


def test_publishes_on_time_as_the_system(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    article = schedule(newsroom, clock, timedelta(hours=1))
    assert fire_due(db, clock, worker="test") == []
    clock.advance(timedelta(hours=1))
    [outcome] = fire_due(db, clock, worker="test")
    assert (outcome.article_id, outcome.action, outcome.outcome, outcome.lateness_seconds) == (
        article["id"],
        "publish",
        "on_time",
        0.0,
    )
    published = newsroom["publisher"].get(f"/api/v1/articles/{article['id']}").json()
    assert (published["state"], published["live_revision"]) == ("published", 1)
    assert published["published_at"] == published["publish_at"]
    assert history(newsroom["publisher"], article)[-1] == ("system", "publish", "published")
    assert fire_due(db, clock, worker="test") == []


def test_catches_up_after_downtime_oldest_first(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    articles = [schedule(newsroom, clock, timedelta(hours=h)) for h in (3, 1, 2)]
    clock.advance(timedelta(hours=5))
    outcomes = fire_due(db, clock, worker="test")
    assert [o.article_id for o in outcomes] == [articles[1]["id"], articles[2]["id"], articles[0]["id"]]
    assert [(o.outcome, o.lateness_seconds) for o in outcomes] == [
        ("late", 14400.0),
        ("late", 10800.0),
        ("late", 7200.0),
    ]
    assert all(history(newsroom["publisher"], a).count(("system", "publish", "published")) == 1 for a in articles)


def test_unpublish_at_takes_the_article_down(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    publish_at = clock.now() + timedelta(hours=1)
    article = schedule(newsroom, clock, timedelta(hours=1), unpublish_at=(publish_at + timedelta(hours=1)).isoformat())
    clock.advance(timedelta(hours=1))
    fire_due(db, clock, worker="test")
    clock.advance(timedelta(minutes=59))
    assert fire_due(db, clock, worker="test") == []
    clock.advance(timedelta(minutes=1))
    [outcome] = fire_due(db, clock, worker="test")
    assert (outcome.action, outcome.outcome) == ("unpublish", "on_time")
    down = newsroom["publisher"].get(f"/api/v1/articles/{article['id']}").json()
    assert (down["state"], down["live_revision"], down["unpublish_at"]) == ("unpublished", None, None)
    entries = newsroom["publisher"].get(f"/api/v1/articles/{article['id']}/history").json()["items"]
    assert (entries[-1]["actor"], entries[-1]["comment"]) == ("system", "unpublish_at reached")


def test_rescheduling_moves_the_firing(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    article = schedule(newsroom, clock, timedelta(hours=1))
    moved = newsroom["publisher"].must(article, "schedule", publish_at=(clock.now() + timedelta(hours=3)).isoformat())
    assert moved["state"] == "scheduled"
    clock.advance(timedelta(hours=2))
    assert fire_due(db, clock, worker="test") == []
    clock.advance(timedelta(hours=1))
    assert [o.outcome for o in fire_due(db, clock, worker="test")] == ["on_time"]


def test_unscheduled_articles_are_not_published(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    article = schedule(newsroom, clock, timedelta(hours=1))
    newsroom["publisher"].must(article, "unschedule")
    clock.advance(timedelta(hours=2))
    assert fire_due(db, clock, worker="test") == []
    assert newsroom["publisher"].get(f"/api/v1/articles/{article['id']}").json()["state"] == "ready"


def test_a_save_after_scheduling_is_refused(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    article = schedule(newsroom, clock, timedelta(hours=1))
    refused = newsroom["opinion_editor"].save(article, body="A change after scheduling.")
    assert refused.status_code == 403
    assert "unschedule it first" in refused.json()["detail"]


def test_the_offset_it_was_scheduled_in_is_kept_for_display(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    article = ready(newsroom)
    scheduled = newsroom["publisher"].must(article, "schedule", publish_at="2026-01-01T15:30:00+05:30")
    assert scheduled["publish_at"] == "2026-01-01T10:00:00Z"
    assert scheduled["publish_at_local"] == "2026-01-01T15:30:00+05:30"


def test_a_refused_firing_is_recorded_and_backs_off(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    article = schedule(newsroom, clock, timedelta(minutes=5))
    with db.transaction() as session:  # break the sign-off behind the workflow's back
        session.execute(update(Article).where(Article.id == article["id"]).values(signed_revision=None))
    clock.advance(timedelta(minutes=5))
    [first] = fire_due(db, clock, worker="test")
    assert (first.outcome, "sign-off" in first.detail) == ("skipped", True)
    assert fire_due(db, clock, worker="test") == []  # backing off, not spinning
    clock.advance(timedelta(seconds=7))
    [second] = fire_due(db, clock, worker="test")
    assert second.outcome == "skipped"
    with db.transaction(write=False) as session:
        attempts, retry_at = session.execute(
            select(Article.schedule_attempts, Article.schedule_retry_at).where(Article.id == article["id"])
        ).one()
    assert attempts == 2
    assert timedelta(seconds=8) <= retry_at - clock.now() <= timedelta(seconds=12)
    assert [f[2] for f in firings(db)] == ["skipped", "skipped"]


def test_health_reports_overdue_items_and_lateness(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    publisher = newsroom["publisher"]
    healthy = publisher.get("/api/v1/scheduler/health")
    assert healthy.status_code == 200
    assert healthy.json()["overdue"] == 0
    late = schedule(newsroom, clock, timedelta(minutes=1))
    schedule(newsroom, clock, timedelta(hours=1))
    clock.advance(timedelta(minutes=11))
    report = publisher.get("/api/v1/scheduler/health")
    assert report.status_code == 503
    body = report.json()
    assert (body["healthy"], body["overdue"], body["oldest_overdue_article"]) == (False, 1, late["id"])
    assert body["oldest_overdue_seconds"] == 600.0
    Scheduler(db, clock, worker="worker-a").run_once()
    after = publisher.get("/api/v1/scheduler/health").json()
    assert (after["healthy"], after["lateness_p50_seconds"], after["firings_measured"]) == (True, 600.0, 1)
    assert [(w["worker"], w["alive"]) for w in after["workers"]] == [("worker-a", True)]
    clock.advance(timedelta(hours=2))
    assert publisher.get("/api/v1/scheduler/health").json()["workers"][0]["alive"] is False


def test_the_loop_sleeps_until_the_next_due_time(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    waits: list[float] = []

    def wait(woken: threading.Event, seconds: float) -> None:
        waits.append(seconds)
        clock.advance(timedelta(seconds=seconds))
        if len(waits) == 3:
            scheduler.stop()

    scheduler = Scheduler(db, clock, worker="loop", wait=wait)
    assert scheduler.seconds_until_due() == 30.0  # nothing due: the safety-net maximum
    article = schedule(newsroom, clock, timedelta(seconds=12))
    scheduler.run()
    assert waits[:2] == [12.0, 30.0]
    assert newsroom["publisher"].get(f"/api/v1/articles/{article['id']}").json()["state"] == "published"


def test_an_earlier_schedule_wakes_the_scheduler(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    scheduler = Scheduler(db, clock, worker="waker")
    assert not scheduler._woken.is_set()
    schedule(newsroom, clock, timedelta(minutes=3))
    assert scheduler._woken.is_set()


@pytest.mark.parametrize("round_", range(6))
def test_unschedule_racing_the_firing_exactly_one_wins(
    live_server: str, newsroom: dict[str, Actor], db: Database, clock: FrozenClock, round_: int
) -> None:
    import httpx

    article = schedule(newsroom, clock, timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    barrier = threading.Barrier(2)
    result: dict[str, Any] = {}

    def unschedule() -> None:
        with httpx.Client(base_url=live_server) as http:
            barrier.wait()
            result["status"] = http.post(
                f"/api/v1/articles/{article['id']}/workflow/unschedule",
                headers=newsroom["publisher"].headers,
            ).status_code

    def fire() -> None:
        barrier.wait()
        result["fired"] = fire_due(db, clock, worker="racer")

    threads = [threading.Thread(target=unschedule), threading.Thread(target=fire)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    transitions = [t for _, t, _ in history(newsroom["publisher"], article)]
    final = newsroom["publisher"].get(f"/api/v1/articles/{article['id']}").json()["state"]
    if result["status"] == 200:
        assert result["fired"] == []
        assert "publish" not in transitions
        assert final == "ready"
    else:
        assert result["status"] == 409
        assert [o.outcome for o in result["fired"]] == ["on_time"]
        assert transitions.count("publish") == 1
        assert final == "published"


def test_a_wake_during_the_pass_is_not_lost(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    waits: list[bool] = []

    def wait(woken: threading.Event, seconds: float) -> None:
        waits.append(woken.is_set())
        scheduler.stop()

    scheduler = Scheduler(db, clock, worker="racy", wait=wait)
    original = scheduler.run_once

    def run_once_then_schedule() -> Any:
        outcomes = original()
        schedule(newsroom, clock, timedelta(minutes=5))  # committed after the pass, before the wait
        return outcomes

    scheduler.run_once = run_once_then_schedule  # type: ignore[method-assign]
    scheduler.run()
    assert waits == [True]


def test_a_standalone_scheduler_on_sqlite_looks_again_every_second(db: Database, clock: FrozenClock) -> None:
    waits: list[float] = []

    def wait(woken: threading.Event, seconds: float) -> None:
        waits.append(seconds)
        standalone.stop()

    standalone = Scheduler(db, clock, worker="alone", wait=wait, standalone=True)
    standalone.run()
    # Nothing is due: in-process it would sleep the 30 s maximum; alone on SQLite nobody can wake it.
    assert waits == ([30.0] if db.engine.dialect.name == "postgresql" else [1.0])
