"""SQLite's WAL checkpoints move out of request commits into the server's own thread."""

from __future__ import annotations

import threading

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from editorial.app import create_app
from editorial.db import Database
from editorial.db.checkpoint import Checkpointer
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="PostgreSQL checkpoints on its own")

PAGES = 1_500
"""More pages than SQLite's automatic checkpoint lets the log hold (1,000)."""


def _write_pages(db: Database) -> None:
    """Commits that leave more than a thousand pages in the log, ten pages a transaction."""
    with db.transaction() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS ballast (id INTEGER PRIMARY KEY, filler BLOB)"))
    for _ in range(PAGES // 10):
        with db.transaction() as session:
            session.execute(text("INSERT INTO ballast (filler) VALUES (randomblob(40000))"))


def _pragma(db: Database, pragma: str) -> tuple[int, ...]:
    with db.engine.connect() as connection:
        return tuple(connection.exec_driver_sql(f"PRAGMA {pragma}").one())


def test_by_default_commits_checkpoint_the_log_themselves(db: Database) -> None:
    _write_pages(db)
    assert _pragma(db, "wal_autocheckpoint") == (1000,)
    _, in_log, _ = _pragma(db, "wal_checkpoint(PASSIVE)")
    assert in_log < 1000 + 20, "a commit ran SQLite's checkpoint and the log started again"


def test_with_a_checkpointer_commits_leave_the_log_to_it(db: Database) -> None:
    checkpointer = Checkpointer(db, every_seconds=3600)  # its thread is not started: run_once is the clock
    checkpointer.take_over()
    try:
        _write_pages(db)
        busy, in_log, copied = checkpointer.run_once()
    finally:
        checkpointer.hand_back()
    assert in_log >= PAGES, "no commit checkpointed: the whole log waited for the checkpointer"
    assert (busy, copied) == (0, in_log)
    assert _pragma(db, "wal_autocheckpoint") == (1000,), "handed back"


def test_the_server_runs_its_checkpointer_while_it_serves(settings: Settings, db: Database, clock: FrozenClock) -> None:
    def running() -> bool:
        return any(thread.name == "sqlite-checkpointer" for thread in threading.enumerate())

    with TestClient(create_app(settings, clock=clock, db=db, checkpoints=True)) as client:
        assert client.get("/health/live").status_code == 200
        assert running()
        assert _pragma(db, "wal_autocheckpoint") == (0,)
    assert not running()
    assert _pragma(db, "wal_autocheckpoint") == (1000,)
