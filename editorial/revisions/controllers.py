"""``/api/v1/articles/{id}/revisions``: list, read and restore."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.params import FromPath

from editorial.articles import services as articles
from editorial.articles.controllers import with_etag
from editorial.articles.schemas import ArticleRead
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.lib.paging import Page
from editorial.lib.params import DEFAULT_LIMIT, IfMatch, PageCursor, PageLimit
from editorial.revisions import services
from editorial.revisions.schemas import RevisionRead, RevisionSummary


class RevisionController(Controller):
    path = "/articles/{article_id:int}/revisions"
    tags = ["revisions"]

    @get(sync_to_thread=True)
    def list_revisions(
        self,
        principal: Caller,
        db_session: DbSession,
        article_id: FromPath[int],
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[RevisionSummary]:
        """Revisions, newest first."""
        articles.load(db_session, principal, article_id)
        return services.list_revisions(db_session, article_id, cursor=cursor, limit=limit)

    @get("/{number:int}", sync_to_thread=True)
    def get_revision(
        self, principal: Caller, db_session: DbSession, article_id: FromPath[int], number: FromPath[int]
    ) -> RevisionRead:
        """One revision's content."""
        articles.load(db_session, principal, article_id)
        return services.read_revision(db_session, article_id, number)

    @post("/{number:int}/restore", sync_to_thread=True, status_code=200)
    def restore_revision(
        self,
        principal: Caller,
        db_session: DbSession,
        clock: AppClock,
        article_id: FromPath[int],
        number: FromPath[int],
        if_match: IfMatch = None,
    ) -> Response[ArticleRead]:
        """Append a new revision with the content of revision ``number``."""
        article = articles.restore(db_session, principal, article_id, number, if_match=if_match, now=clock.now())
        return with_etag(article)
