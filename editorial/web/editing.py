"""The article forms: what the person typed, checked, and saved through the articles service.

A failed save never loses the typed text: every outcome carries the draft back to the form. A
stale save is never applied silently: it is refused (the form offers the merge), merged by the
service, or refused with the conflicting spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate, ArticleRead, ArticleUpdate
from editorial.auth.principal import Principal
from editorial.lib.errors import EditorialError, InvalidInput, PreconditionFailed


@dataclass(slots=True)
class Draft:
    """The editor form's fields, as typed."""

    base: int = 0
    """The revision the person started from."""
    title: str = ""
    dek: str = ""
    body: str = ""
    tags: str = ""
    authors: str = ""
    message: str = ""
    desk: str = ""

    @classmethod
    def of(cls, article: ArticleRead) -> Draft:
        return cls(
            base=article.revision,
            title=article.title,
            dek=article.dek,
            body=article.body,
            tags=", ".join(article.tags),
            authors=", ".join(article.authors),
            desk=article.desk,
        )

    @classmethod
    def from_form(cls, data: dict[str, Any]) -> Draft:
        text = {name: _text(data.get(name)) for name in ("title", "dek", "body", "tags", "authors", "message", "desk")}
        base = _text(data.get("base"))
        # Browsers send text areas with CRLF line ends; revisions keep LF.
        text["body"] = text["body"].replace("\r\n", "\n")
        text["dek"] = text["dek"].replace("\r\n", "\n")
        return cls(base=int(base) if base.isascii() and base.isdigit() and len(base) < 10 else 0, **text)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass(slots=True)
class Outcome:
    """What became of a save: the article, or why not (with what the form should show)."""

    article: ArticleRead | None = None
    status: int = 200
    problem: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    stale_head: int | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    merged: bool = False


def _field_errors(error: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in error.errors()}


def _refused(error: EditorialError) -> Outcome:
    outcome = Outcome(status=error.status, problem=error.detail)
    if isinstance(error, InvalidInput):
        outcome.errors = {e["field"]: e["message"] for e in error.extra.get("errors", [])}
    if isinstance(error, PreconditionFailed):
        outcome.stale_head = error.extra.get("current_revision")
        outcome.problem = None
    if isinstance(error, articles.EditConflict):
        outcome.stale_head = error.extra.get("current_revision")
        outcome.conflicts = error.extra.get("conflicts", [])
    return outcome


def save(
    session: Session, principal: Principal, article_id: int, draft: Draft, *, merge: bool, now: datetime
) -> Outcome:
    """Save the draft as a new revision of the article it was started from."""
    try:
        update = ArticleUpdate(
            title=draft.title,
            dek=draft.dek,
            body=draft.body,
            tags=split_list(draft.tags),
            authors=split_list(draft.authors),
            message=draft.message,
        )
    except ValidationError as error:
        return Outcome(status=422, errors=_field_errors(error))
    savepoint = session.begin_nested()
    try:
        saved = articles.update(
            session, principal, article_id, update, if_match=articles.etag(draft.base), now=now, merge=merge
        )
    except EditorialError as error:
        savepoint.rollback()
        return _refused(error)
    savepoint.commit()
    return Outcome(article=saved, merged=saved.merged is not None)


def create(session: Session, principal: Principal, draft: Draft, *, now: datetime) -> Outcome:
    """Start an article from the new-article form."""
    try:
        data = ArticleCreate(
            desk=draft.desk, title=draft.title, dek=draft.dek, body=draft.body, tags=split_list(draft.tags)
        )
    except ValidationError as error:
        return Outcome(status=422, errors=_field_errors(error))
    savepoint = session.begin_nested()
    try:
        article = articles.create(session, principal, data, now=now)
    except EditorialError as error:
        savepoint.rollback()
        return _refused(error)
    savepoint.commit()
    return Outcome(article=article)
