"""The migrations build exactly the models' schema, and upgrade -> downgrade -> upgrade works."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text

from editorial.db import Database
from editorial.db.migrate import alembic_config, current_revision, downgrade, upgrade
from editorial.db.models import Desk, metadata
from editorial.demo import load_demo
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings

TABLES = {"users", "desks", "role_grants", "api_tokens", "articles", "revisions", "article_authors", "history"}


def schema_differences(engine: Engine) -> list[object]:
    """What autogenerate would write, comparing the models to the database as migrations/env.py does."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "target_metadata": metadata,
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite",
            },
        )
        return list(compare_metadata(context, metadata))


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def desks(db: Database) -> dict[str, str]:
    with db.transaction(write=False) as session:
        return {d.id: d.workflow for d in session.scalars(select(Desk))}


def test_models_and_migrations_agree(settings: Settings) -> None:
    db = Database(settings)
    try:
        assert current_revision(db.engine) == head()
        assert schema_differences(db.engine) == []
    finally:
        db.dispose()


def test_upgrade_downgrade_upgrade_round_trip(fresh_database_url: str) -> None:
    db = Database(Settings(database_url=fresh_database_url))
    try:
        upgrade(fresh_database_url)
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        assert desks(db) == {"news": "news", "opinion": "opinion"}

        downgrade(fresh_database_url, "base")
        db.engine.dispose()
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        assert current_revision(db.engine) is None

        upgrade(fresh_database_url)
        db.engine.dispose()
        assert current_revision(db.engine) == head()
        assert desks(db) == {"news": "news", "opinion": "opinion"}
        assert schema_differences(db.engine) == []
    finally:
        db.dispose()


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}


def test_downgrade_and_upgrade_keep_the_rows_of_the_first_schema(fresh_database_url: str) -> None:
    """Rebuilding a table (SQLite batch mode) must not cascade-delete the rows that refer to it."""
    upgrade(fresh_database_url)
    db = Database(Settings(database_url=fresh_database_url))
    try:
        with db.transaction() as session:
            load_demo(session, FrozenClock())
        before = row_counts(db)
        assert min(before.values()) > 0, before

        downgrade(fresh_database_url, "0001")
        db.engine.dispose()
        assert row_counts(db) == before

        upgrade(fresh_database_url)
        db.engine.dispose()
        assert row_counts(db) == before
    finally:
        db.dispose()


def test_the_first_migration_names_every_constraint(settings: Settings) -> None:
    db = Database(settings)
    try:
        inspector = inspect(db.engine)
        for table in TABLES:
            for fk in inspector.get_foreign_keys(table):
                assert fk["name"], f"unnamed foreign key on {table}"
                assert fk["name"].startswith("fk_"), fk["name"]
            for unique in inspector.get_unique_constraints(table):
                assert unique["name"].startswith("uq_"), unique["name"]
            for index in inspector.get_indexes(table):
                if not index.get("duplicates_constraint"):
                    assert index["name"].startswith("ix_"), index["name"]
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                names = connection.execute(
                    text("SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid::regclass::text = :t"),
                    {"t": "articles"},
                ).scalars()
                assert list(names) == ["pk_articles"]
    finally:
        db.dispose()
