"""``/api/v1/articles``: create, list, read and save."""

from __future__ import annotations

from typing import Annotated, TypeVar

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from editorial.articles import reading, services
from editorial.articles.schemas import ArticleCreate, ArticleRead, ArticleSaved, ArticleSummary, ArticleUpdate
from editorial.auth.scopes import ARTICLES_READ
from editorial.db.session import in_request_session
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.lib.paging import Page
from editorial.lib.params import DEFAULT_LIMIT, DeskFilter, IfMatch, PageCursor, PageLimit

A = TypeVar("A", bound=ArticleRead)


def with_etag(article: A, status_code: int = 200) -> Response[A]:
    """The article, with the ETag that names its head revision."""
    return Response(article, status_code=status_code, headers={"ETag": services.etag(article.revision)})


class ArticleController(Controller):
    path = "/articles"
    tags = ["articles"]

    @post(sync_to_thread=True)
    def create_article(
        self, principal: Caller, db_session: DbSession, clock: AppClock, data: JSONBody[ArticleCreate]
    ) -> Response[ArticleRead]:
        """Start an article on a desk."""
        return with_etag(services.create(db_session, principal, data, now=clock.now()), 201)

    @get(sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def list_articles(
        self,
        principal: Caller,
        db_session: DbSession,
        article_state: Annotated[
            str | None, QueryParameter(name="state", max_length=32, description="one of the workflow states")
        ] = None,
        desk: DeskFilter = None,
        author: Annotated[str | None, QueryParameter(max_length=64, description="username")] = None,
        q: Annotated[str | None, QueryParameter(max_length=200, description="text in title, dek or body")] = None,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[ArticleSummary]:
        """Articles the caller may see, newest first."""
        return services.list_visible(
            db_session,
            principal,
            state=article_state,
            desk=desk,
            author=author,
            q=q,
            cursor=cursor,
            limit=limit,
        )

    @get("/{article_id:int}", opt={"scope": ARTICLES_READ})
    @in_request_session
    def get_article(self, principal: Caller, db_session: DbSession, article_id: FromPath[int]) -> Response[ArticleRead]:
        """One article at its head revision; the ETag names that revision."""
        return with_etag(reading.get(db_session, principal, article_id))

    @put("/{article_id:int}")
    @in_request_session
    def save_article(
        self,
        principal: Caller,
        db_session: DbSession,
        clock: AppClock,
        article_id: FromPath[int],
        data: JSONBody[ArticleUpdate],
        if_match: IfMatch = None,
        merge: Annotated[bool, QueryParameter(description="merge a stale edit onto the latest revision")] = False,
        prefer: Annotated[str | None, HeaderParameter(name="Prefer", description="'merge' = ?merge=true")] = None,
    ) -> Response[ArticleSaved]:
        """Save a new revision; send If-Match with the ETag of the revision you edited."""
        by_preference = "merge" in (prefer or "").lower().replace(" ", "").split(",")
        article = services.update(
            db_session, principal, article_id, data, if_match=if_match, now=clock.now(), merge=merge or by_preference
        )
        response = with_etag(article)
        if by_preference and article.merged:
            response.headers["Preference-Applied"] = "merge"
        return response
