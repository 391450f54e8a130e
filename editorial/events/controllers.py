"""``/api/v1/events``: the event log."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from editorial.auth.scopes import EVENTS_READ
from editorial.events import services
from editorial.events.schemas import EventPage
from editorial.lib.deps import Caller, DbSession
from editorial.lib.params import DEFAULT_LIMIT, PageLimit


class EventController(Controller):
    path = "/events"
    tags = ["automation"]

    @get(sync_to_thread=True, opt={"scope": EVENTS_READ})
    def events(
        self,
        principal: Caller,
        db_session: DbSession,
        after: Annotated[str | None, QueryParameter(max_length=200, description="next_cursor of the last page")] = None,
        types: Annotated[str | None, QueryParameter(max_length=500, description="comma-separated event types")] = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> EventPage:
        """Events in commit order after the cursor."""
        return services.read_events(db_session, principal, after=after, types=types, limit=limit)
