"""``/api/v1/articles/{id}/revisions``: list, read and restore."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath, QueryParameter

from editorial.articles import reading
from editorial.articles import services as articles
from editorial.articles.controllers import with_etag
from editorial.articles.schemas import ArticleRead
from editorial.auth.scopes import ARTICLES_READ
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.lib.paging import Page
from editorial.lib.params import DEFAULT_LIMIT, IfMatch, PageCursor, PageLimit
from editorial.revisions import services
from editorial.revisions.diffing import Granularity
from editorial.revisions.review import review_diff
from editorial.revisions.schemas import RevisionRead, RevisionSummary


class RevisionController(Controller):
    path = "/articles/{article_id:int}/revisions"
    tags = ["revisions"]

    @get(sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def list_revisions(
        self,
        principal: Caller,
        db_session: DbSession,
        article_id: FromPath[int],
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[RevisionSummary]:
        """Revisions, newest first."""
        reading.load(db_session, principal, article_id)
        return services.list_revisions(db_session, article_id, cursor=cursor, limit=limit)

    @get("/{number:int}", sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def get_revision(
        self, principal: Caller, db_session: DbSession, article_id: FromPath[int], number: FromPath[int]
    ) -> RevisionRead:
        """One revision's content."""
        reading.load(db_session, principal, article_id)
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


DIFF_MEDIA_TYPES = [MediaType.JSON, MediaType.HTML, "text/x-diff"]


class DiffController(Controller):
    path = "/articles/{article_id:int}/diff"
    tags = ["revisions"]

    @get(sync_to_thread=True, media_type=MediaType.JSON, opt={"scope": ARTICLES_READ})
    def diff(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        db_session: DbSession,
        article_id: FromPath[int],
        old: Annotated[
            str | None,
            QueryParameter(name="from", max_length=20, description="N, previous, live, signoff or head"),
        ] = None,
        new: Annotated[str | None, QueryParameter(name="to", max_length=20, description="N or head")] = None,
        granularity: Annotated[Granularity, QueryParameter(description="word, char or paragraph")] = Granularity.word,
    ) -> Response[Any]:
        """Field-by-field diff of two revisions: JSON, or an HTML fragment, or a unified diff by Accept."""
        diff = review_diff(db_session, principal, article_id, old=old, new=new, granularity=granularity)
        media = request.accept.best_match(DIFF_MEDIA_TYPES, default=MediaType.JSON)
        if media == MediaType.HTML:
            return Response(services.render_diff_html(diff), media_type=MediaType.HTML)
        if media == "text/x-diff":
            return Response(services.render_diff_unified(db_session, diff), media_type="text/x-diff")
        return Response(diff, media_type=MediaType.JSON)
