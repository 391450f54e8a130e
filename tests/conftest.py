"""Fixtures: a migrated database (SQLite or PostgreSQL), a frozen clock, the app, and a newsroom.

The backend is chosen by ``EDITORIAL_TEST_DATABASE`` (``sqlite``, the default, or ``postgresql``);
``make test`` runs the suite once for each. The schema is always built by running the Alembic
migrations, never ``create_all``. Each test starts from the freshly migrated state.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from editorial.app import create_app
from editorial.db import Database
from editorial.db.migrate import upgrade
from editorial.db.models import metadata
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from tests.support import NEWSROOM, Actor, make_user

BACKEND = os.environ.get("EDITORIAL_TEST_DATABASE", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get(
    "EDITORIAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_reachable() -> str | None:
    """None if the PostgreSQL test server answers, else why not."""
    try:
        with psycopg.connect(_libpq(POSTGRES_ADMIN_URL), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip()


def pytest_configure(config: pytest.Config) -> None:
    if BACKEND != "postgresql":
        return
    problem = postgres_reachable()
    if problem is None:
        return
    if IN_CI:
        raise pytest.UsageError(f"CI=true and PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {problem}")
    pytest.exit(f"PostgreSQL not reachable ({problem}); the PostgreSQL run is skipped on this machine", returncode=0)


def pytest_report_header() -> str:
    return f"editorial test database: {BACKEND}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new, migrated database for this test session (and xdist worker)."""
    if BACKEND == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "editorial.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    name = f"editorial_test_{uuid.uuid4().hex[:10]}"
    admin = _libpq(POSTGRES_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        access_log=False,
        log_level="WARNING",
        webhook_allow_private_targets=True,  # the webhook tests' receivers listen on loopback
    )


@pytest.fixture(scope="session")
def _database(settings: Settings) -> Iterator[tuple[Database, dict[str, list[dict[str, Any]]]]]:
    db = Database(settings)
    with db.transaction(write=False) as session:
        seeded = {
            table.name: [dict(row._mapping) for row in session.execute(table.select())]
            for table in metadata.sorted_tables
        }
    yield db, seeded
    db.dispose()


@pytest.fixture
def db(_database: tuple[Database, dict[str, list[dict[str, Any]]]]) -> Iterator[Database]:
    """The test database, reset to its freshly migrated rows after the test."""
    database, seeded = _database
    yield database
    tables = list(reversed(metadata.sorted_tables))
    with database.transaction() as session:
        if database.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                session.execute(table.delete())
        for table in metadata.sorted_tables:
            if seeded[table.name]:
                session.execute(table.insert(), seeded[table.name])


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, db: Database) -> Any:
    return create_app(settings, clock=clock, db=db)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient[Any]]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def newsroom(client: TestClient[Any], db: Database, clock: FrozenClock) -> dict[str, Actor]:
    """One actor per job: writer, writer2, news_editor, opinion_editor, fact_checker, publisher, robot, admin,
    and an outsider with no role."""
    actors = {}
    for username, roles in NEWSROOM.items():
        _, token = make_user(db, clock, username.replace("_", "-"), *roles)
        actors[username] = Actor(client, username.replace("_", "-"), token)
    return actors


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The test app served by a real uvicorn on a free loopback port; yields its base URL."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = 200
    while not server.started and deadline and thread.is_alive():
        threading.Event().wait(0.05)
        deadline -= 1
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
