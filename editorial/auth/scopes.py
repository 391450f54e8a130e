"""Token scopes: a token created with scopes reaches only the routes that declare one of them.

Automation (service account) tokens carry them, so a leaked publishing token cannot, say,
read the event log; a scope the token lacks is 403 even where the account's role would allow it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ARTICLES_READ = "articles:read"
SCHEDULE_WRITE = "schedule:write"
PUBLISH_WRITE = "publish:write"
EVENTS_READ = "events:read"
CALENDAR_READ = "calendar:read"
"""A calendar feed token: may read the schedule feed, in the query string, and nothing else."""
SCOPES = (ARTICLES_READ, SCHEDULE_WRITE, PUBLISH_WRITE, EVENTS_READ, CALENDAR_READ)

TRANSITION_SCOPES = {"schedule": SCHEDULE_WRITE, "unschedule": SCHEDULE_WRITE, "publish": PUBLISH_WRITE}


def transition_scope(request: Any) -> str | None:
    """The scope a workflow transition needs, from the route's ``transition`` path parameter."""
    return TRANSITION_SCOPES.get(request.path_params.get("transition", ""))


RouteScope = str | Callable[[Any], str | None] | None
