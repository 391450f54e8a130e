"""Engine construction: SQLite tuned for a web service, PostgreSQL through psycopg 3."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from editorial.db.direct import raise_as_core
from editorial.settings import Settings

WRITE_OPTION = "editorial_write"
STATEMENT_SNAPSHOTS = "editorial_statement_snapshots"
"""Execution option for sessions that only read: on SQLite, begin no transaction, so that each
statement reads in its own (as PostgreSQL's autocommit does under READ COMMITTED)."""


def make_engine(settings: Settings) -> Engine:
    """Create the engine for ``settings.database_url``."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings)
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def _sqlite_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # A session may be opened in one worker thread and committed in another.
        connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    busy_timeout = settings.sqlite_busy_timeout_ms
    autocheckpoint = settings.sqlite_wal_autocheckpoint

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so the "begin" hook below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and then
        # writes can fail with SQLITE_BUSY on the upgrade, which busy_timeout cannot wait out.
        options = connection.get_execution_options()
        if options.get(STATEMENT_SNAPSHOTS, False):
            return  # no BEGIN: with pysqlite's own transaction handling off, each statement commits itself
        # On the driver's connection: exec_driver_sql, or Direct, would cost a write transaction 9 µs
        # more (the cursor and the listeners' check), and nothing listens for it. Its errors (a
        # database locked past the busy timeout) are raised as exec_driver_sql raises them.
        sql = "BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN"
        try:
            connection.connection.driver_connection.execute(sql)
        except sqlite3.Error as error:
            raise_as_core(connection, error, sql)

    return engine
