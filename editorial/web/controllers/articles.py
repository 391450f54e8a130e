"""``/app/articles/new`` and ``/app/articles/{id}/edit``: starting and editing articles, and the preview."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from editorial.articles import reading
from editorial.lib.deps import AppClock, DbSession
from editorial.web import editing
from editorial.web.deps import SignedIn, Viewer
from editorial.web.editing import Draft, Outcome
from editorial.web.markdown import render_markdown
from editorial.web.rendering import render
from editorial.workflow import policy

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _editor(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    article_id: int,
    draft: Draft | None,
    outcome: Outcome | None = None,
) -> Template:
    loaded = reading.load(db_session, viewer.principal, article_id)
    article = reading.read(loaded.article, reading.head_of(db_session, loaded.article))
    draft = draft or Draft.of(article)
    return render(
        request,
        viewer,
        "editor.html",
        status=outcome.status if outcome else 200,
        article=article,
        may_edit=policy.may_edit(viewer.principal, loaded.subject),
        draft=draft,
        outcome=outcome or Outcome(),
        preview=render_markdown(draft.body),
        notice=_notice(request),
    )


def _notice(request: Request[Any, Any, Any]) -> str | None:
    """What the last save did, from the redirect's query (numbers only: a link cannot put words on the page)."""
    saved, merged = _number(request, "saved"), _number(request, "merged")
    if request.query_params.get("unchanged"):
        return "Nothing had changed, so no revision was saved."
    if merged:
        return f"Your edit was merged with the newer changes and saved as revision {merged}."
    if saved:
        return f"Saved as revision {saved}."
    return None


def _number(request: Request[Any, Any, Any], name: str) -> str | None:
    value = request.query_params.get(name) or ""
    return value if value.isascii() and value.isdigit() and len(value) < 10 else None


class ArticleController(Controller):
    path = "/articles"

    @get("/new", sync_to_thread=False)
    def new_article(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Template:
        """The form that starts an article."""
        draft = Draft(desk=viewer.creatable[0] if viewer.creatable else "")
        return render(request, viewer, "article_new.html", draft=draft, outcome=Outcome())

    @post("/new", sync_to_thread=True)
    def create_article(
        self, request: Request[Any, Any, Any], viewer: SignedIn, db_session: DbSession, clock: AppClock, data: Form
    ) -> Template | Redirect:
        """Start the article, then open it in the editor."""
        draft = Draft.from_form(data)
        outcome = editing.create(db_session, viewer.principal, draft, now=clock.now())
        if outcome.article is None:
            return render(request, viewer, "article_new.html", status=outcome.status, draft=draft, outcome=outcome)
        return Redirect(f"/app/articles/{outcome.article.id}/edit?saved=1", status_code=303)

    @get("/{article_id:int}/edit", sync_to_thread=True)
    def edit_article(
        self, request: Request[Any, Any, Any], viewer: SignedIn, db_session: DbSession, article_id: FromPath[int]
    ) -> Template:
        """The editor, on the latest revision (read-only, with the reason, for those who may not edit)."""
        return _editor(request, viewer, db_session, article_id, None)

    @post("/{article_id:int}/edit", sync_to_thread=True)
    def save_article(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        db_session: DbSession,
        clock: AppClock,
        article_id: FromPath[int],
        data: Form,
    ) -> Template | Redirect:
        """Save (or merge, or preview) what was typed; anything but a save shows the form again as typed."""
        draft, action = Draft.from_form(data), data.get("action")
        if action == "preview":
            return _editor(request, viewer, db_session, article_id, draft)
        outcome = editing.save(
            db_session, viewer.principal, article_id, draft, merge=action == "merge", now=clock.now()
        )
        if outcome.article is None:
            return _editor(request, viewer, db_session, article_id, draft, outcome)
        revision = outcome.article.revision
        query = f"saved={revision}" if revision != draft.base else "unchanged=1"
        query = f"merged={revision}" if outcome.merged else query
        return Redirect(f"/app/articles/{article_id}/edit?{query}", status_code=303)

    @post("/preview", sync_to_thread=False)
    def preview(self, request: Request[Any, Any, Any], viewer: SignedIn, data: Form) -> Template:
        """The sanitised rendering of a Markdown body (an HTMX fragment)."""
        body = data.get("body")
        return render(request, viewer, "_preview.html", preview=render_markdown(body if isinstance(body, str) else ""))
