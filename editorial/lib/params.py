"""Query parameters shared by paged endpoints."""

from __future__ import annotations

from litestar.params import Parameter

from editorial.settings import get_settings

_settings = get_settings()

Limit = Parameter(
    default=_settings.page_limit_default,
    ge=1,
    le=_settings.page_limit_max,
    description=f"page size, at most {_settings.page_limit_max}",
)
Cursor = Parameter(default=None, max_length=200, description="the next_cursor of the previous page")
