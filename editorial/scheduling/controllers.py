"""``/api/v1/schedule``, ``/api/v1/schedule.ics`` and ``/api/v1/scheduler/health``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, QueryParameter

from editorial.auth import services as auth
from editorial.auth.deps import FEED_TOKEN
from editorial.auth.scopes import ARTICLES_READ, CALENDAR_READ
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.lib.params import DeskFilter
from editorial.scheduling import ical, views
from editorial.scheduling.schemas import FeedToken, ScheduleRead, SchedulerHealth


class ScheduleController(Controller):
    path = "/"
    tags = ["scheduling"]

    @get("/schedule", sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def schedule(
        self,
        principal: Caller,
        db_session: DbSession,
        clock: AppClock,
        desk: DeskFilter = None,
        start: Annotated[datetime | None, QueryParameter(name="from", description="ISO 8601 with an offset")] = None,
        end: Annotated[datetime | None, QueryParameter(name="to", description="ISO 8601 with an offset")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> ScheduleRead:
        """Upcoming publications and takedowns, and the scheduler's recent firings."""
        start, end = views.window(start, end, clock.now())
        return views.schedule(db_session, principal, desk=desk, start=start, end=end, limit=limit)

    @get(
        "/schedule.ics",
        sync_to_thread=True,
        media_type="text/calendar",
        opt={"scope": CALENDAR_READ, FEED_TOKEN: True},
    )
    def calendar(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        db_session: DbSession,
        clock: AppClock,
        desk: DeskFilter = None,
        token: Annotated[str | None, QueryParameter(description="a calendar feed token")] = None,
    ) -> Response[str]:
        """The schedule as an iCalendar feed (a bearer header, or ?token= with a feed token)."""
        now = clock.now()
        items = views.upcoming(
            db_session,
            principal,
            desk=desk,
            start=now - timedelta(days=7),
            end=now + timedelta(days=90),
            limit=1000,
        )
        body = ical.calendar(items, now=now, host=request.url.hostname or "editorial")
        return Response(body, media_type="text/calendar")

    @post("/schedule/feed-tokens", sync_to_thread=True)
    def create_feed_token(self, principal: Caller, db_session: DbSession, clock: AppClock) -> FeedToken:
        """A calendar feed token for the caller: it reads the schedule feed and nothing else."""
        user = auth.get_user(db_session, principal.username)
        token, secret = auth.create_token(
            db_session, user, now=clock.now(), name="calendar feed", scopes=[CALENDAR_READ]
        )
        return FeedToken(prefix=token.prefix, token=secret, url=f"/api/v1/schedule.ics?token={secret}")

    @delete("/schedule/feed-tokens/{prefix:str}", sync_to_thread=True, status_code=204)
    def revoke_feed_token(
        self, principal: Caller, db_session: DbSession, clock: AppClock, prefix: FromPath[str]
    ) -> None:
        """Revoke one of the caller's calendar feed tokens."""
        user = auth.get_user(db_session, principal.username)
        auth.revoke_token(db_session, prefix, now=clock.now(), user=user, scopes=[CALENDAR_READ])

    @get("/scheduler/health", sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def health(self, principal: Caller, db_session: DbSession, clock: AppClock) -> Response[SchedulerHealth]:
        """Overdue items, lateness of recent firings, worker heartbeats; 503 while anything is overdue."""
        report = views.health(db_session, clock.now())
        return Response(report, status_code=200 if report.healthy else 503)
