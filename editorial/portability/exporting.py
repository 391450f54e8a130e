"""Writing the newsroom out: every desk, person, grant, article with every revision, history, event and firing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from editorial.db.models import (
    Article,
    ArticleAuthor,
    Desk,
    Event,
    HistoryEntry,
    Revision,
    RoleGrant,
    ScheduleFiring,
    User,
)
from editorial.portability.records import FORMAT, VERSION, dump
from editorial.revisions.services import stored_content

BATCH = 500


def export_lines(session: Session, *, password_hashes: bool = False) -> Iterator[str]:
    """The export, line by line; API tokens and webhooks (secrets) are never in it, password hashes on request."""
    yield dump({"kind": FORMAT, "version": VERSION, "password_hashes": password_hashes})
    names = dict(session.execute(select(User.id, User.username)).all())
    for desk in session.scalars(select(Desk).order_by(Desk.id)):
        yield dump({"kind": "desk", **desk.model_dump()})
    for user in session.scalars(select(User).order_by(User.id)):
        record = user.model_dump(exclude=set() if password_hashes else {"password_hash"})
        yield dump({"kind": "user", **record})
    for grant in session.scalars(select(RoleGrant).order_by(RoleGrant.id)):
        yield dump(
            {
                "kind": "role_grant",
                "id": grant.id,
                "user": names[grant.user_id],
                "role": grant.role,
                "desk": grant.desk_id,
            }
        )
    yield from _articles(session, names)
    for entry in _all(session, select(HistoryEntry).order_by(HistoryEntry.id)):
        record = entry.model_dump(exclude={"actor_id"})
        yield dump({"kind": "history", **record, "actor": names.get(entry.actor_id) if entry.actor_id else None})
    for event in _all(session, select(Event).order_by(Event.seq, Event.id)):
        yield dump({"kind": "event", **event.model_dump()})
    for firing in _all(session, select(ScheduleFiring).order_by(ScheduleFiring.id)):
        yield dump({"kind": "schedule_firing", **firing.model_dump()})


def _articles(session: Session, names: dict[int, str]) -> Iterator[str]:
    authors: dict[int, list[str]] = {}
    for article_id, user_id in session.execute(
        select(ArticleAuthor.article_id, ArticleAuthor.user_id).order_by(
            ArticleAuthor.article_id, ArticleAuthor.user_id
        )
    ):
        authors.setdefault(article_id, []).append(names[user_id])
    for article in _all(session, select(Article).order_by(Article.id)):
        record: dict[str, Any] = article.model_dump(exclude={"created_by_id", "desk_id"})
        record.update(
            desk=article.desk_id, created_by=names[article.created_by_id], authors=authors.get(article.id, [])
        )
        yield dump({"kind": "article", **record})
    for revision in _all(session, select(Revision).order_by(Revision.article_id, Revision.number)):
        record = revision.model_dump(exclude={"id", "body", "body_base", "body_packed", "saved_by_id"})
        content = stored_content(session, revision)  # the full text, however it is stored
        yield dump({"kind": "revision", **record, **content, "saved_by": names[revision.saved_by_id]})


def _all(session: Session, query: Any) -> Iterator[Any]:
    """Rows of a possibly large table, fetched in batches."""
    yield from session.scalars(query.execution_options(yield_per=BATCH))
