"""Firing in batches: written together, redone one by one when an article fails, heartbeats and wake-ups spaced."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError

from editorial.db import Database
from editorial.db.models import Article, Event, ScheduleFiring, SchedulerWorker
from editorial.lib.clock import FrozenClock
from editorial.scheduling import services
from editorial.scheduling.services import fire_due
from editorial.scheduling.worker import COALESCE_SECONDS, HEARTBEAT_SECONDS, Scheduler
from editorial.settings import get_settings
from tests.scheduling.test_processes import publishes_per_article as publishes
from tests.scheduling.test_scheduler import schedule
from tests.support import Actor


def firing_rows(db: Database) -> list[tuple[int, str, int]]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(ScheduleFiring.article_id, ScheduleFiring.outcome, ScheduleFiring.attempt).order_by(
                ScheduleFiring.article_id
            )
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def batch_of(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_batch(size: int) -> None:
        changed = get_settings().model_copy(update={"scheduler_batch": size})
        monkeypatch.setattr(services, "get_settings", lambda: changed)

    return set_batch


def test_a_batch_is_written_in_the_same_statements_whatever_its_size(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    counted: list[int] = []
    # SQLite's driver cannot match RETURNING rows to a multi-row INSERT, so SQLAlchemy inserts one row
    # per statement there (in process: no round trip); everything else must not grow with the batch.
    sqlite = db.engine.dialect.name == "sqlite"

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not (sqlite and statement.startswith("INSERT")):
            counted[-1] += 1

    for size in (2, 8):
        articles = [schedule(newsroom, clock, timedelta(minutes=1)) for _ in range(size)]
        clock.advance(timedelta(minutes=1))
        counted.append(0)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            outcomes = fire_due(db, clock, worker="test")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert sorted(o.article_id for o in outcomes) == sorted(a["id"] for a in articles)
    small, large = counted
    assert large == small, f"{small} statements for 2 firings, {large} for 8: some statement is per firing"
    with db.transaction(write=False) as session:
        events = session.scalars(select(Event.seq).where(Event.type == "article.published")).all()
    assert len(events) == 10
    assert None not in events


def test_one_refused_article_does_not_hold_back_its_batch(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    articles = [schedule(newsroom, clock, timedelta(minutes=m)) for m in (1, 2, 3)]
    with db.transaction() as session:  # break the middle one's sign-off behind the workflow's back
        session.execute(update(Article).where(Article.id == articles[1]["id"]).values(signed_revision=None))
    clock.advance(timedelta(minutes=5))
    outcomes = fire_due(db, clock, worker="test")
    assert [(o.article_id, o.outcome) for o in outcomes] == [
        (articles[0]["id"], "late"),
        (articles[1]["id"], "skipped"),
        (articles[2]["id"], "late"),
    ]
    assert publishes(db) == {articles[0]["id"]: 1, articles[2]["id"]: 1}
    assert firing_rows(db) == [(a["id"], o.outcome, 1) for a, o in zip(articles, outcomes, strict=True)]
    with db.transaction(write=False) as session:
        attempts = session.scalar(select(Article.schedule_attempts).where(Article.id == articles[1]["id"]))
    assert attempts == 1
    assert fire_due(db, clock, worker="test") == []  # the refused one backs off


def test_a_database_error_on_one_article_fails_that_one_alone(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = [schedule(newsroom, clock, timedelta(minutes=1)) for _ in range(3)]
    broken = articles[0]["id"]
    take = services.workflow_services.take

    def take_or_fail(session: Any, principal: Any, loaded: Any, *args: Any, **kwargs: Any) -> None:
        take(session, principal, loaded, *args, **kwargs)
        if loaded.article.id == broken:  # after its writes: the savepoint must undo them
            raise OperationalError("UPDATE articles", {}, Exception("disk full"))

    monkeypatch.setattr(services.workflow_services, "take", take_or_fail)
    clock.advance(timedelta(minutes=1))
    outcomes = {o.article_id: o for o in fire_due(db, clock, worker="test")}
    assert {i: o.outcome for i, o in outcomes.items()} == {a["id"]: "on_time" for a in articles} | {broken: "failed"}
    assert "disk full" in outcomes[broken].detail
    assert publishes(db) == {a["id"]: 1 for a in articles[1:]}
    with db.transaction(write=False) as session:
        state, attempts = session.execute(
            select(Article.state, Article.schedule_attempts).where(Article.id == broken)
        ).one()
        published_events = session.scalars(select(Event.article_id).where(Event.type == "article.published")).all()
    assert (state, attempts) == ("scheduled", 1)
    assert sorted(published_events) == sorted(a["id"] for a in articles[1:])


def test_batches_publish_each_due_article_once_oldest_first(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock, batch_of: Any
) -> None:
    batch_of(2)
    articles = [schedule(newsroom, clock, timedelta(minutes=m)) for m in (5, 1, 4, 2, 3)]
    clock.advance(timedelta(minutes=6))
    outcomes = fire_due(db, clock, worker="test")
    by_due = [a["id"] for a in sorted(articles, key=lambda a: a["publish_at"])]
    assert [o.article_id for o in outcomes] == by_due
    assert publishes(db) == dict.fromkeys(by_due, 1)
    assert len(firing_rows(db)) == 5


def test_heartbeats_are_spaced_but_kept_fresh_during_a_long_pass(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock, batch_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def beaten_at() -> Any:
        with db.transaction(write=False) as session:
            return session.scalar(select(SchedulerWorker.heartbeat_at).where(SchedulerWorker.id == "beats"))

    scheduler = Scheduler(db, clock, worker="beats")
    start = clock.now()
    scheduler.run_once()
    clock.advance(timedelta(seconds=HEARTBEAT_SECONDS / 2))
    scheduler.run_once()
    assert beaten_at() == start  # a pass moments after the last one writes no heartbeat
    clock.advance(timedelta(seconds=HEARTBEAT_SECONDS / 2))
    scheduler.run_once()
    assert beaten_at() == clock.now()

    batch_of(1)
    for _ in range(3):
        schedule(newsroom, clock, timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    fire_batch = services._fire_batch

    def slow_batch(*args: Any, **kwargs: Any) -> Any:
        result = fire_batch(*args, **kwargs)
        clock.advance(timedelta(seconds=HEARTBEAT_SECONDS))  # each batch of the pass takes that long
        return result

    monkeypatch.setattr(services, "_fire_batch", slow_batch)
    pass_start = clock.now()
    assert len(scheduler.run_once()) == 3
    assert beaten_at() > pass_start  # written between batches, not only when the pass began


def test_articles_due_moments_apart_are_fired_in_one_pass(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    waits: list[float] = []

    def wait(woken: threading.Event, seconds: float) -> None:
        waits.append(seconds)
        clock.advance(timedelta(seconds=seconds))
        if len(waits) == 3:
            scheduler.stop()

    first = schedule(newsroom, clock, timedelta(seconds=12))
    second = schedule(newsroom, clock, timedelta(seconds=12, milliseconds=30))
    scheduler = Scheduler(db, clock, worker="coalesce", wait=wait)
    scheduler.run()
    assert waits[:2] == [12.0, COALESCE_SECONDS]  # not 0.03: it waits a little and takes what falls due
    assert publishes(db) == {first["id"]: 1, second["id"]: 1}


def test_a_dry_run_lists_what_is_due_and_fires_nothing(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    article = schedule(newsroom, clock, timedelta(minutes=1))
    schedule(newsroom, clock, timedelta(hours=1))
    clock.advance(timedelta(minutes=3))
    [due] = fire_due(db, clock, worker="test", dry_run=True)
    assert (due.article_id, due.action, due.outcome, due.lateness_seconds) == (article["id"], "publish", "due", 120.0)
    assert publishes(db) == {}
    assert firing_rows(db) == []
