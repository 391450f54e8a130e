"""Opaque keyset cursors and the page envelope."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from editorial.db.types import MAX_INTEGER
from editorial.lib.errors import InvalidInput

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of results; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _is_a(value: Any, kind: type) -> bool:
    if not isinstance(value, kind) or isinstance(value, bool):
        return False
    # A key no column can hold was not made by us, and would fail when bound to the query.
    return not isinstance(value, int) or abs(value) <= MAX_INTEGER


def decode_cursor(cursor: str | None, fields: dict[str, type]) -> dict[str, Any] | None:
    """Decode a cursor made by ``encode_cursor``; 422 if it was not, or was tampered with."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (
            isinstance(key, dict)
            and set(key) == set(fields)
            and all(_is_a(key[name], kind) for name, kind in fields.items())
        ):
            return key
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput.field("cursor", "not a cursor this endpoint returned")
