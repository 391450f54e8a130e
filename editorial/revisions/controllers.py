"""``/api/v1/articles/{id}/revisions``: list, read and restore."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import Parameter
from sqlmodel import Session

from editorial.articles import services as articles
from editorial.articles.controllers import with_etag
from editorial.articles.schemas import ArticleRead
from editorial.auth.principal import Principal
from editorial.lib.clock import Clock
from editorial.lib.paging import Page
from editorial.lib.params import Cursor, Limit
from editorial.revisions import services
from editorial.revisions.schemas import RevisionRead, RevisionSummary


class RevisionController(Controller):
    path = "/articles/{article_id:int}/revisions"
    tags = ["revisions"]

    @get(sync_to_thread=True)
    def list_revisions(
        self,
        principal: Principal,
        db_session: Session,
        article_id: int,
        cursor: str | None = Cursor,
        limit: int = Limit,
    ) -> Page[RevisionSummary]:
        """Revisions, newest first."""
        articles.load(db_session, principal, article_id)
        return services.list_revisions(db_session, article_id, cursor=cursor, limit=limit)

    @get("/{number:int}", sync_to_thread=True)
    def get_revision(self, principal: Principal, db_session: Session, article_id: int, number: int) -> RevisionRead:
        """One revision's content."""
        articles.load(db_session, principal, article_id)
        return services.read_revision(db_session, article_id, number)

    @post("/{number:int}/restore", sync_to_thread=True, status_code=200)
    def restore_revision(
        self,
        principal: Principal,
        db_session: Session,
        clock: Clock,
        article_id: int,
        number: int,
        if_match: Annotated[str | None, Parameter(header="If-Match")] = None,
    ) -> Response[ArticleRead]:
        """Append a new revision with the content of revision ``number``."""
        article = articles.restore(db_session, principal, article_id, number, if_match=if_match, now=clock.now())
        return with_etag(article)
