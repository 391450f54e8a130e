"""The review page's content: the diff asked for, what the viewer may do, and the transition forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import Session

from editorial.articles import reading
from editorial.articles.schemas import ArticleRead
from editorial.auth.principal import Principal
from editorial.lib.errors import Conflict, EditorialError, InvalidInput
from editorial.revisions import services as revisions
from editorial.revisions.diffing import Granularity
from editorial.revisions.review import review_diff
from editorial.revisions.schemas import DiffRead, RevisionRead, RevisionSummary
from editorial.web.markdown import render_markdown
from editorial.web.rendering import state_label, zone_of
from editorial.workflow import policy
from editorial.workflow import services as workflow
from editorial.workflow.schemas import TransitionRequest, UnavailableTransition, WorkflowStatus

VIEWS = ("inline", "side")
REVISIONS_LISTED = 200
TIME_FIELDS = ("publish_at", "unpublish_at")


@dataclass(slots=True)
class Review:
    article: ArticleRead
    diff: DiffRead
    diff_html: Markup
    status: WorkflowStatus
    revisions: list[RevisionSummary]
    old: str
    new: str
    view: str
    since: str
    """What ``from=signoff`` turned out to mean for this viewer."""
    blocked: list[UnavailableTransition]
    """Steps that leave the current state but are not the viewer's to take, with the policy's reason."""
    may_edit: policy.Decision
    """Whether the viewer may save a revision now (the editor tab says so)."""
    text: RevisionRead | None = None
    """The revision in full, when both ends of the diff are the same revision (nothing to compare yet)."""
    text_html: Markup | None = None


def since_label(session: Session, loaded: reading.Loaded, principal: Principal) -> str:
    """Whose sign-off the default diff starts from (the same fallbacks as ``review.resolve``)."""
    assert loaded.article.id is not None
    sign_offs = {t.id for t in loaded.workflow.transitions if "sign_off" in t.effects}
    if revisions.last_signed_revision(session, loaded.article.id, sign_offs, principal.user_id):
        return "your last sign-off"
    if revisions.last_signed_revision(session, loaded.article.id, sign_offs, None):
        return "the last sign-off"
    return "the first revision (nobody has signed it off yet)"


def review(
    session: Session, principal: Principal, article_id: int, *, old: str | None, new: str | None, view: str | None
) -> Review:
    """Everything the review page shows; by default the diff since the viewer's last sign-off."""
    loaded = reading.load(session, principal, article_id)
    article = reading.read(loaded.article, reading.head_of(session, loaded.article))
    old, new = old or "signoff", new or "head"
    diff = review_diff(session, principal, article_id, old=old, new=new, granularity=Granularity.word)
    status = workflow.status(session, principal, article_id, explain=True)
    leaving = {t.id for t in loaded.workflow.from_state(loaded.subject.state)}
    text = None
    if diff.old.revision == diff.new.revision:
        text = revisions.read_revision(session, article_id, diff.new.revision)
    return Review(
        article=article,
        diff=diff,
        diff_html=Markup(revisions.render_diff_html(diff)),  # render_diff_html escapes all text
        status=status,
        revisions=revisions.list_revisions(session, article_id, cursor=None, limit=REVISIONS_LISTED).items,
        old=old,
        new=new,
        view=view if view in VIEWS else "inline",
        since=since_label(session, loaded, principal),
        blocked=[u for u in status.unavailable or [] if u.id in leaving],
        may_edit=policy.may_edit(principal, loaded.subject),
        text=text,
        text_html=render_markdown(text.body) if text else None,
    )


@dataclass(slots=True)
class TransitionForm:
    """A transition form as typed, with what was wrong with it."""

    transition: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    status: int = 422


def local_instant(text: str, zone_name: str, name: str) -> datetime:
    """A ``datetime-local`` value in the chosen zone, as an aware instant (422 if it is not one)."""
    zone = zone_of(zone_name)
    if zone is None:
        raise InvalidInput.field(name, "choose a time zone")
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput.field(name, "give a date and time, such as 2026-03-01T06:00") from None
    if naive.tzinfo is not None:
        raise InvalidInput.field(name, "give a local date and time, without an offset")
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise InvalidInput.field(name, f"{text.replace('T', ' ')} does not exist in {zone_name} (the clocks change)")
    return aware


def transition_request(values: dict[str, str]) -> TransitionRequest:
    """The form's fields as the workflow service takes them; times are read in the chosen zone."""
    fields: dict[str, Any] = {}
    for name in ("comment", "correction"):
        if values.get(name, "").strip():
            fields[name] = values[name]
    for name in TIME_FIELDS:
        if values.get(name, "").strip():
            fields[name] = local_instant(values[name].strip(), values.get("zone", ""), name)
    try:
        return TransitionRequest.model_validate(fields)
    except ValidationError as error:
        errors = [{"field": str(e["loc"][0]), "message": e["msg"]} for e in error.errors()]
        raise InvalidInput("the form is not valid", errors=errors) from None


FIELD_WORDS = {
    "comment": "a comment (say why)",
    "publish_at": "a publication time",
    "unpublish_at": "a time to take it down",
    "correction": "a correction note",
}


def _in_words(transition_id: str, name: str, message: str) -> str:
    """The service's field message in a person's words where it names fields by their API names."""
    if message == f"{transition_id} requires {name}":
        return f"This step needs {FIELD_WORDS.get(name, name)}."
    if message == "must be after publish_at":
        return "must be after the publication time"
    return message


def take(
    session: Session, principal: Principal, article_id: int, transition_id: str, data: dict[str, Any], now: datetime
) -> TransitionForm | None:
    """Take the transition; None when done, else the form again with what went wrong."""
    values = {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf"}
    form = TransitionForm(transition_id, values)
    savepoint = session.begin_nested()
    try:
        workflow.transition(session, principal, article_id, transition_id, transition_request(values), now=now)
    except InvalidInput as error:
        savepoint.rollback()
        listed = error.extra.get("errors", [])
        form.errors = {e["field"]: _in_words(transition_id, e["field"], e["message"]) for e in listed}
        form.errors = form.errors or {"form": error.detail}
        return form
    except EditorialError as error:
        savepoint.rollback()
        form.problem, form.status = error.detail, error.status
        if isinstance(error, Conflict) and "state" in error.extra:
            now_in = state_label(str(error.extra["state"]))
            form.problem = f"Nothing was done: the article moved on since this page was opened, and is now in {now_in}."
        return form
    savepoint.commit()
    return None
