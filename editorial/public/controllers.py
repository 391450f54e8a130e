"""``/public/articles`` and ``/feeds/{desk}.atom``: no token, live revisions only."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter

from editorial.lib.clock import Clock
from editorial.lib.deps import AppClock, DbSession
from editorial.lib.errors import NotFound
from editorial.lib.paging import Page
from editorial.lib.params import DEFAULT_LIMIT, DeskFilter, PageCursor, PageLimit
from editorial.public import atom, services
from editorial.public.schemas import PublicArticle, PublicSummary

FEED_SIZE = 20


class PublicArticleController(Controller):
    path = "/public/articles"
    tags = ["public"]

    @get(sync_to_thread=True)
    def list_public(
        self,
        db_session: DbSession,
        desk: DeskFilter = None,
        tag: Annotated[str | None, QueryParameter(max_length=60)] = None,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[PublicSummary]:
        """Published articles (their live revisions), newest first."""
        return services.list_live(db_session, desk=desk, tag=tag, cursor=cursor, limit=limit)

    @get("/{slug:str}", sync_to_thread=True)
    def get_public(self, db_session: DbSession, slug: FromPath[str]) -> PublicArticle:
        """One published article's live revision, with its corrections."""
        return services.get_live(db_session, slug)


class FeedController(Controller):
    path = "/feeds"
    tags = ["public"]

    @get("/{feed:str}", sync_to_thread=True, media_type="application/atom+xml")
    def desk_feed(
        self, request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, feed: FromPath[str]
    ) -> Response[bytes]:
        """The latest published articles of a desk, as Atom (``/feeds/news.atom``)."""
        return Response(_feed(request, db_session, clock, feed), media_type="application/atom+xml; charset=utf-8")


def _feed(request: Request[Any, Any, Any], session: Any, clock: Clock, name: str) -> bytes:
    desk_id, dot, extension = name.rpartition(".")
    if not dot or extension != "atom":
        raise NotFound(f"no feed {name!r}; feeds are /feeds/DESK.atom")
    title = services.desk_title(session, desk_id)
    articles = services.latest_live(session, desk_id, FEED_SIZE)
    base = str(request.base_url).rstrip("/")
    return atom.feed(desk_id, title, articles, base_url=base, now=clock.now())
