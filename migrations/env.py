"""Alembic environment: runs migrations against EDITORIAL_DATABASE_URL or a given connection."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection
from sqlmodel.sql.sqltypes import AutoString

from editorial.db import Database
from editorial.db.models import metadata
from editorial.db.types import JSONType, UTCDateTime
from editorial.settings import Settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _render_item(kind: str, obj: object, autogen_context: Any) -> str | Literal[False]:
    """Render our column types by name, so generated migrations import cleanly."""
    if kind != "type":
        return False
    if isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import editorial.db.types")
        return "editorial.db.types.UTCDateTime()"
    if obj is JSONType:
        autogen_context.imports.add("import editorial.db.types")
        return "editorial.db.types.JSONType"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
        compare_type=True,
        render_item=_render_item,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    # Batch mode rebuilds a table by copying it and dropping the original; with foreign keys on,
    # that DROP deletes every row that refers to the table through ON DELETE CASCADE (an article's
    # revisions, authors, history). SQLite ignores the pragma inside a transaction, so it is set on
    # the driver connection before ours begins, and the keys are checked before the commit instead.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration leaves rows with dangling foreign keys: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("database_url") or Settings().database_url
    database = Database(Settings(database_url=url))
    try:
        with database.engine.execution_options(editorial_write=True).connect() as connection:
            _run(connection)
    finally:
        database.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
