"""Request parameters shared by several endpoints."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar.params import HeaderParameter, QueryParameter

from editorial.settings import get_settings

_settings = get_settings()
DEFAULT_LIMIT = _settings.page_limit_default

PageLimit: TypeAlias = Annotated[
    int, QueryParameter(ge=1, le=_settings.page_limit_max, description=f"page size, 1 to {_settings.page_limit_max}")
]
PageCursor: TypeAlias = Annotated[
    str | None, QueryParameter(max_length=200, description="the next_cursor of the previous page")
]
IfMatch: TypeAlias = Annotated[
    str | None, HeaderParameter(name="If-Match", description="the ETag of the revision you edited")
]
DeskFilter: TypeAlias = Annotated[str | None, QueryParameter(max_length=40, description="only this desk")]
