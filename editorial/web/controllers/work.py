"""``/app``: my work, and ``/app/articles``: every article the viewer may see."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from editorial.articles import services as articles
from editorial.lib.deps import AppClock, DbSession
from editorial.lib.params import DeskFilter, PageCursor
from editorial.web.deps import SignedIn
from editorial.web.presenters import group_work
from editorial.web.rendering import render
from editorial.workflow import services as workflow

WORKLIST_SIZE = 200
ARTICLES_PAGE = 50


class WorkController(Controller):
    path = "/"

    @get(sync_to_thread=True)
    def my_work(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        db_session: DbSession,
        clock: AppClock,
        desk: DeskFilter = None,
        cursor: PageCursor = None,
    ) -> Template:
        """What the signed-in person can move on now, grouped by what there is to do."""
        page = workflow.worklist(
            db_session, viewer.principal, desk=desk or None, cursor=cursor, limit=WORKLIST_SIZE, now=clock.now()
        )
        name = "_worklist.html" if request.headers.get("hx-request") == "true" else "work.html"
        return render(request, viewer, name, groups=group_work(page.items), page=page, desk=desk or "")

    @get("/articles", sync_to_thread=True)
    def all_articles(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        db_session: DbSession,
        desk: DeskFilter = None,
        article_state: Annotated[str | None, QueryParameter(name="state", max_length=32)] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        cursor: PageCursor = None,
    ) -> Template:
        """Every article the viewer may see, newest first, with filters."""
        page = articles.list_visible(
            db_session,
            viewer.principal,
            state=article_state or None,
            desk=desk or None,
            author=None,
            q=q or None,
            cursor=cursor,
            limit=ARTICLES_PAGE,
        )
        filters: dict[str, Any] = {"desk": desk or "", "state": article_state or "", "q": q or ""}
        return render(request, viewer, "articles.html", page=page, **filters)
