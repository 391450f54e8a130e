"""Portability tests use an empty database beside the test database."""

from tests.db.conftest import fresh_database_url

__all__ = ["fresh_database_url"]
