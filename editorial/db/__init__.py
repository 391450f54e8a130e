"""Persistence: engine, sessions, column types and the table models."""

from editorial.db.session import Database

__all__ = ["Database"]
