"""Response shapes for the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import SQLModel


class EventRead(SQLModel):
    id: int
    """The event's position in the log (commit order)."""
    type: str
    article_id: int
    occurred_at: datetime
    actor: str
    data: dict[str, Any]


class EventPage(SQLModel):
    items: list[EventRead]
    next_cursor: str
    """Pass as ``after`` to read on; returned even when the page is empty, so a poller never goes back."""
