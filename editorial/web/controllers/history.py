"""``/app/articles/{id}/history``: revisions and transitions in one timeline."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from editorial.articles import reading
from editorial.lib.deps import DbSession
from editorial.revisions import services as revisions
from editorial.web.deps import SignedIn
from editorial.web.presenters import timeline
from editorial.web.rendering import render
from editorial.workflow import policy
from editorial.workflow import services as workflow

SHOWN = 500


class HistoryController(Controller):
    path = "/articles/{article_id:int}/history"

    @get(sync_to_thread=True)
    def history(
        self, request: Request[Any, Any, Any], viewer: SignedIn, db_session: DbSession, article_id: FromPath[int]
    ) -> Template:
        """Every save and every step of the article, newest first, each revision linked to its diff."""
        loaded = reading.load(db_session, viewer.principal, article_id)
        article = reading.read(loaded.article, reading.head_of(db_session, loaded.article))
        transitions = workflow.history(db_session, viewer.principal, article_id, cursor=None, limit=SHOWN)
        saved = revisions.list_revisions(db_session, article_id, cursor=None, limit=SHOWN)
        moments = timeline(saved.items, transitions.items)
        more = bool(transitions.next_cursor or saved.next_cursor)
        may_edit = policy.may_edit(viewer.principal, loaded.subject)
        context = {"article": article, "moments": moments, "more": more, "shown": SHOWN, "may_edit": may_edit}
        return render(request, viewer, "history.html", **context)
