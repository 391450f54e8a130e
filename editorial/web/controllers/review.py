"""``/app/articles/{id}``: the review page, and the transitions taken from it."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template

from editorial.lib.deps import AppClock, DbSession
from editorial.web import review as reviewing
from editorial.web.deps import SignedIn, Viewer
from editorial.web.rendering import render, zone_names

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
RevisionSpec = Annotated[str | None, QueryParameter(max_length=20)]


def _page(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    article_id: int,
    *,
    old: str | None = None,
    new: str | None = None,
    view: str | None = None,
    form: reviewing.TransitionForm | None = None,
) -> Template:
    page = reviewing.review(db_session, viewer.principal, article_id, old=old, new=new, view=view)
    partial = request.headers.get("hx-target") == "diff"
    done = request.query_params.get("done")
    titles = {t.id: t.title for t in page.status.transitions} | {t.id: t.title for t in page.status.unavailable or []}
    return render(
        request,
        viewer,
        "_diff.html" if partial else "review.html",
        status=form.status if form else 200,
        review=page,
        article=page.article,
        may_edit=page.may_edit,
        form=form,
        zones=zone_names(),
        done=titles.get(done) if done else None,
    )


class ReviewController(Controller):
    path = "/articles/{article_id:int}"

    @get(sync_to_thread=True)
    def review(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        db_session: DbSession,
        article_id: FromPath[int],
        old: Annotated[str | None, QueryParameter(name="from", max_length=20)] = None,
        new: Annotated[str | None, QueryParameter(name="to", max_length=20)] = None,
        view: Annotated[str | None, QueryParameter(max_length=10)] = None,
    ) -> Template:
        """The diff since the viewer's last sign-off (or between any two revisions), and what they may do."""
        return _page(request, viewer, db_session, article_id, old=old, new=new, view=view)

    @post("/workflow/{transition:str}", sync_to_thread=True)
    def take_transition(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        db_session: DbSession,
        clock: AppClock,
        article_id: FromPath[int],
        transition: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Take a transition; a refused one shows the page again with the form as typed and why."""
        form = reviewing.take(db_session, viewer.principal, article_id, transition, data, clock.now())
        if form is None:
            return Redirect(f"/app/articles/{article_id}?done={transition}", status_code=303)
        return _page(request, viewer, db_session, article_id, form=form)
