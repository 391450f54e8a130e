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
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


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
