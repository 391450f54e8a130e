"""SQLite's WAL checkpoints in a thread of the server's own, not in the commit of whichever request crosses 1,000 pages.

In WAL mode SQLite copies the log back into the database file (a *checkpoint*) as part of the
commit that leaves more than ``wal_autocheckpoint`` pages (1,000) in it: that commit, a save or
a transition, then also copies some 4 MB and syncs the database file before it returns, with this
service's single-writer gate (``Database.admit``) still held, so every writer queued behind it
waits too. The server (``editorial serve``) turns that off for its own connections and runs a
``PASSIVE`` checkpoint every ``EVERY_SECONDS`` here instead: it never waits for a reader or a
writer, copies what no reader still needs, and runs while requests go on (``sqlite3`` lets go
of the GIL while it copies). Other processes (the command line, the tests) keep SQLite's own
checkpoints, and SQLite checkpoints when the last connection to a database closes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import event

from editorial.db.session import Database

EVERY_SECONDS = 0.5
log = logging.getLogger("editorial.db")


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` in a thread; its database's connections stop checkpointing."""

    def __init__(self, db: Database, every_seconds: float = EVERY_SECONDS) -> None:
        assert db.settings.is_sqlite, "PostgreSQL has checkpoints of its own"
        self.db = db
        self.every_seconds = every_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)

    def take_over(self) -> None:
        """From now on, commits on this database's connections leave the checkpoints to ``run_once``."""
        event.listen(self.db.engine, "connect", _no_autocheckpoint)
        self.db.engine.dispose()  # connections already in the pool would go on checkpointing

    def hand_back(self) -> None:
        """Connections opened from now on checkpoint in their commits again, as SQLite does by default."""
        if event.contains(self.db.engine, "connect", _no_autocheckpoint):
            event.remove(self.db.engine, "connect", _no_autocheckpoint)
        self.db.engine.dispose()

    def start(self) -> None:
        self.take_over()
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.run_once()  # leave the log copied back, as SQLite's own last checkpoint would
        self.hand_back()

    def run_once(self) -> tuple[int, int, int]:
        """One passive checkpoint: (1 if it could not finish, pages in the log, pages copied back)."""
        with self.db.engine.connect() as connection:
            busy, in_log, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        return int(busy), int(in_log), int(copied)

    def _run(self) -> None:
        while not self._stopped.wait(self.every_seconds):
            try:
                self.run_once()
            except Exception:  # a locked or vanished database: the next turn tries again
                log.exception("WAL checkpoint failed")
