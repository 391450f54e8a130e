"""The file format: one JSON object a line, a header then sections in a fixed order, each by primary key.

Every line has a ``kind``. Ids are kept (URLs, events and webhooks name articles by id); people
are named by username. Times are ISO 8601 in UTC. Keys are sorted and the separators fixed, so
the same database always gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

FORMAT = "editorial-export"
VERSION = 1
KINDS = ("desk", "user", "role_grant", "article", "revision", "history", "event", "schedule_firing")
"""Sections, in the order they are written and must be read (each refers only to earlier ones)."""


def dump(record: dict[str, Any]) -> str:
    """One line of the file (without the newline)."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_instant)


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def instant(value: str | None) -> datetime | None:
    """A time read back from the file (always with its offset)."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time without an offset: {value!r}")
    return parsed
