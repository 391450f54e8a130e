"""Fixtures for database tests: an empty database of the backend under test, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import BACKEND, POSTGRES_ADMIN_URL, _libpq


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty (unmigrated) database on the backend under test, so tests may wreck it."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"editorial_fresh_{uuid.uuid4().hex[:10]}"
    admin = _libpq(POSTGRES_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
