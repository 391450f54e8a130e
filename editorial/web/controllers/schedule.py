"""``/app/schedule``: a week of scheduled publications per desk, and the scheduler's health."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from editorial.lib.deps import AppClock, DbSession
from editorial.lib.errors import InvalidInput
from editorial.lib.params import DeskFilter
from editorial.scheduling import views
from editorial.web.deps import SignedIn
from editorial.web.presenters import monday_of, week_bounds, week_of
from editorial.web.rendering import render, viewer_zone

MAX_ITEMS = 500


class ScheduleController(Controller):
    path = "/schedule"

    @get(sync_to_thread=True)
    def week(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        db_session: DbSession,
        clock: AppClock,
        desk: DeskFilter = None,
        week: Annotated[str | None, QueryParameter(max_length=10, description="a day of the week, YYYY-MM-DD")] = None,
    ) -> Template:
        """Publications and takedowns due in one week, in the viewer's time zone, by desk and day."""
        zone, now = viewer_zone(request), clock.now()
        try:
            day = date.fromisoformat(week) if week else now.astimezone(zone).date()
        except ValueError:
            raise InvalidInput.field("week", "a date, YYYY-MM-DD") from None
        start = monday_of(day)
        first, last = week_bounds(start, zone)
        items = views.upcoming(db_session, viewer.principal, desk=desk or None, start=first, end=last, limit=MAX_ITEMS)
        desks = [d for d in viewer.role_desks if not desk or d == desk]
        return render(
            request,
            viewer,
            "schedule.html",
            week=week_of(start, zone, desks, items),
            health=views.health(db_session, now),
            today=now.astimezone(zone).date(),
            previous=start - timedelta(days=7),
            following=start + timedelta(days=7),
            desk=desk or "",
            full=len(items) >= MAX_ITEMS,
        )
