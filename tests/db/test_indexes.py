"""What the write path's indexes cost, and that the queries they serve still use them.

A transition rewrites every index over a column its ``UPDATE`` sets, so it sets only the columns
that changed, and the scheduler's index covers scheduled articles only (migration 0006). That
index is partial: a plan made without the parameters' values (PostgreSQL's, for a statement
psycopg has prepared) can use it only if the query states its condition, the state a literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, text

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.metrics.database import DatabaseCollector
from editorial.scheduling import services, views
from tests.scheduling.test_scheduler import ready, schedule
from tests.support import Actor

SCHEDULED_INDEX = "ix_articles_scheduled_publish_at"


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL (with its parameters) that the block sends through ``db``'s engine."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def plan(db: Database, statement: str, parameters: Any) -> str:
    """The plan the database picks for ``statement``; on PostgreSQL with sequential scans priced out,
    since on a test database's few rows a scan of the table would win whatever the indexes."""
    with db.transaction() as session:
        connection = session.connection()
        if db.settings.is_sqlite:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))


def _filters_on_state(sql: str) -> bool:
    """Whether the statement's conditions, not only its columns, name the article's state."""
    parts = re.split(r"\sWHERE\s", sql, maxsplit=1)
    return len(parts) == 2 and "articles.state" in parts[1]


def test_the_scheduler_index_holds_scheduled_articles_only(db: Database) -> None:
    """Alembic's comparison of the models with the migrations does not look at an index's condition."""
    with db.transaction(write=False) as session:
        if db.settings.is_sqlite:
            query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
        else:
            query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
        definition = session.execute(text(query), {"name": SCHEDULED_INDEX}).scalar_one()
    assert re.search(r"WHERE \(*\(*state\)*(::text)? = 'scheduled'", definition), definition


def test_every_query_for_scheduled_articles_reads_the_partial_index(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    schedule(newsroom, clock, timedelta(minutes=5))
    now = clock.now() + timedelta(minutes=10)
    queries: dict[str, Callable[[Any], object]] = {
        "claim_due": lambda session: services.claim_due(session, now, 10),
        "next_due_at": services.next_due_at,
        "health": lambda session: views.health(session, now),
        "metrics": lambda session: list(DatabaseCollector(session, db.engine, now, 60).collect()),
    }
    for name, query in queries.items():
        with statements(db) as seen, db.transaction() as session:
            query(session)
        scheduled = [(sql, params) for sql, params in seen if _filters_on_state(sql)]
        assert scheduled, f"{name} asked nothing of scheduled articles"
        for sql, params in scheduled:
            # Written out, not bound: a statement psycopg has prepared (after five executions) may be
            # planned once for any value, and such a plan can use the index only if the SQL says so.
            assert "articles.state = 'scheduled'" in sql, f"{name}: {sql}"
            assert SCHEDULED_INDEX in plan(db, sql, params), f"{name}: {sql}"


def test_the_schedule_listing_reads_the_partial_index(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    schedule(newsroom, clock, timedelta(minutes=5))
    with statements(db) as seen:
        assert newsroom["publisher"].get("/api/v1/schedule").status_code == 200
    scheduled = [(sql, params) for sql, params in seen if _filters_on_state(sql) and "articles.publish_at >=" in sql]
    assert scheduled
    for sql, params in scheduled:
        assert "articles.state = 'scheduled'" in sql, sql
        assert SCHEDULED_INDEX in plan(db, sql, params), sql


def test_a_transition_sets_only_the_columns_it_changes(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    article = ready(newsroom)
    clock.advance(timedelta(minutes=1))
    with statements(db) as seen:
        newsroom["publisher"].must(article, "publish")
    [update] = [sql for sql, _ in seen if sql.startswith("UPDATE articles")]
    assigned = {part.split("=")[0].strip() for part in update.split(" SET ")[1].split(" WHERE ")[0].split(",")}
    assert assigned == {"state", "live_revision", "published_at", "state_changed_at", "updated_at"}
