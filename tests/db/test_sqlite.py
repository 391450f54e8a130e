"""SQLite tuned for a web service: WAL, foreign keys, a busy timeout, and writers that lock at BEGIN.

These run on a private SQLite file whatever the backend under test, since they are about SQLite.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from editorial.db import Database
from editorial.settings import Settings


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "tuned.db"


@pytest.fixture
def sqlite_db(sqlite_path: Path) -> Iterator[Database]:
    db = Database(Settings(database_url=f"sqlite:///{sqlite_path}", sqlite_busy_timeout_ms=10_000))
    with db.transaction() as session:
        session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO counter (id, value) VALUES (1, 0)"))
        session.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        session.execute(text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))"))
    yield db
    db.dispose()


def counter(db: Database) -> int:
    with db.transaction(write=False) as session:
        return int(session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one())


def write_lock_is_free(path: Path) -> bool:
    """Whether another connection could take the write lock right now (without waiting)."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    finally:
        probe.close()


def test_connections_use_wal_foreign_keys_and_the_busy_timeout(sqlite_db: Database) -> None:
    with sqlite_db.transaction(write=False) as session:
        pragma = {
            name: session.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous", "wal_autocheckpoint")
        }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10_000,
        "synchronous": 1,
        "wal_autocheckpoint": 100,
    }


def test_commits_checkpoint_the_wal_in_small_steps(sqlite_db: Database, sqlite_path: Path) -> None:
    """The WAL is copied back every 100 pages or so, not SQLite's 1,000: no commit waits for a long copy."""
    with sqlite_db.transaction() as session:
        session.execute(text("CREATE TABLE blobs (data BLOB NOT NULL)"))
        page_size = session.execute(text("PRAGMA page_size")).scalar_one()
    for _ in range(100):  # 10 pages a commit: 1,000 pages in all
        with sqlite_db.transaction() as session:
            session.execute(text("INSERT INTO blobs (data) VALUES (randomblob(:size))"), {"size": 10 * page_size})
    wal = sqlite_path.with_name(sqlite_path.name + "-wal").stat().st_size
    assert 0 < wal < 300 * page_size  # it would be over 1,000 pages with SQLite's default


def test_foreign_keys_are_enforced(sqlite_db: Database) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), sqlite_db.transaction() as session:
        session.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 42)"))


def test_a_write_session_holds_the_write_lock_from_its_first_read(sqlite_db: Database, sqlite_path: Path) -> None:
    with sqlite_db.session(write=True) as writer:
        assert writer.execute(text("SELECT value FROM counter")).scalar_one() == 0
        assert not write_lock_is_free(sqlite_path)
        assert counter(sqlite_db) == 0, "readers still read while a writer holds the lock (WAL)"
        writer.commit()
    assert write_lock_is_free(sqlite_path)


def test_a_writer_that_waits_past_the_busy_timeout_fails_as_sqlalchemys_error(sqlite_path: Path) -> None:
    """The BEGIN runs on the driver's connection; a locked database still raises SQLAlchemy's
    OperationalError, which the API answers with 503 and Retry-After (and the scheduler retries)."""
    db = Database(Settings(database_url=f"sqlite:///{sqlite_path}", sqlite_busy_timeout_ms=50))
    holder = sqlite3.connect(sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"), db.transaction() as session:
            session.connection()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db.dispose()


def test_a_read_session_takes_no_write_lock(sqlite_db: Database, sqlite_path: Path) -> None:
    with sqlite_db.session(write=False) as reader:
        assert reader.execute(text("SELECT value FROM counter")).scalar_one() == 0
        assert write_lock_is_free(sqlite_path)


def test_a_second_writer_waits_for_the_first_and_sees_its_commit(sqlite_db: Database, sqlite_path: Path) -> None:
    """Read-then-write in two sessions: the second waits at BEGIN instead of failing at its first write."""
    second_db = Database(sqlite_db.settings)
    beginning = threading.Event()

    @event.listens_for(second_db.engine, "connect")
    def _trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(lambda sql: beginning.set() if sql.startswith("BEGIN") else None)

    outcome: dict[str, Any] = {}

    def second_writer() -> None:
        try:
            with second_db.transaction() as session:
                seen = session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
                session.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": seen + 10})
                outcome["seen"] = seen
        except Exception as error:
            outcome["error"] = error

    with sqlite_db.transaction() as first:
        seen = first.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert beginning.wait(timeout=10), "the second writer never began"
        first.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": seen + 1})
    thread.join(timeout=15)
    second_db.dispose()
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["seen"] == 1
    assert counter(sqlite_db) == 11


def test_concurrent_read_modify_write_loses_no_update_and_never_fails(sqlite_db: Database) -> None:
    workers = 8
    start = threading.Barrier(workers)
    errors: list[Exception] = []

    def increment() -> None:
        start.wait(timeout=10)
        try:
            with sqlite_db.transaction() as session:
                value = session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
                session.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": value + 1})
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=increment) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert counter(sqlite_db) == workers
