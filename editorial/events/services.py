"""Reading the event log in commit order, from a cursor that never skips an event."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from editorial.auth.principal import Principal
from editorial.db.models import Event
from editorial.events.outbox import TYPES
from editorial.events.schemas import EventPage, EventRead
from editorial.lib.errors import InvalidInput
from editorial.lib.paging import decode_cursor, encode_cursor
from editorial.workflow import policy


def read_events(
    session: Session, principal: Principal, *, after: str | None, types: str | None, limit: int
) -> EventPage:
    """Committed events after the cursor, oldest first (only committed ones have a ``seq``)."""
    policy.may_read_events(principal).require()
    start = decode_cursor(after, {"seq": int}) if after else {"seq": 0}
    assert start is not None
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else []
    unknown = [t for t in wanted if t not in TYPES]
    if unknown:
        raise InvalidInput.field("types", f"unknown event types {', '.join(unknown)}; one of {', '.join(TYPES)}")
    query = select(Event).where(Event.seq > start["seq"]).order_by(Event.seq).limit(limit)
    if wanted:
        query = query.where(Event.type.in_(wanted))
    events = list(session.scalars(query))
    last = events[-1].seq if events else start["seq"]
    assert last is not None
    return EventPage(
        items=[
            EventRead(id=e.seq, **e.model_dump(include={"type", "article_id", "occurred_at", "actor", "data"}))
            for e in events
        ],
        next_cursor=encode_cursor({"seq": last}),
    )
