"""Writing and reading revisions; a revision is never changed once written."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from editorial.db.models import Article, Revision, User
from editorial.db.types import MAX_INTEGER
from editorial.lib.errors import NotFound
from editorial.lib.paging import Page, decode_cursor, encode_cursor
from editorial.revisions.schemas import RevisionRead, RevisionSummary

CONTENT_FIELDS = ("title", "dek", "body", "tags", "authors")


def content_of(revision: Revision) -> dict[str, Any]:
    """The content fields of a revision, as a plain dict."""
    return {name: getattr(revision, name) for name in CONTENT_FIELDS}


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps({k: content[k] for k in CONTENT_FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def append_revision(
    session: Session, article: Article, content: dict[str, Any], *, saved_by: int, message: str, now: datetime
) -> Revision:
    """Write the next revision of ``article`` and move its head to it."""
    assert article.id is not None
    revision = Revision(
        article_id=article.id,
        number=article.head_revision + 1,
        saved_by_id=saved_by,
        saved_at=now,
        message=message,
        content_hash=content_hash(content),
        **{k: content[k] for k in CONTENT_FIELDS},
    )
    article.head_revision = revision.number
    article.updated_at = now
    session.add_all([revision, article])
    session.flush()
    return revision


def get_revision(session: Session, article_id: int, number: int) -> Revision:
    if not 1 <= number <= MAX_INTEGER:
        raise NotFound(f"article {article_id} has no revision {number}")
    revision = session.scalar(select(Revision).where(Revision.article_id == article_id, Revision.number == number))
    if revision is None:
        raise NotFound(f"article {article_id} has no revision {number}")
    return revision


def read_revision(session: Session, article_id: int, number: int) -> RevisionRead:
    if not 1 <= number <= MAX_INTEGER:
        raise NotFound(f"article {article_id} has no revision {number}")
    row = session.execute(
        select(Revision, User.username)
        .join(User, User.id == Revision.saved_by_id)
        .where(Revision.article_id == article_id, Revision.number == number)
    ).first()
    if row is None:
        raise NotFound(f"article {article_id} has no revision {number}")
    revision, username = row
    return RevisionRead(saved_by=username, **revision.model_dump(exclude={"id", "article_id", "saved_by_id"}))


def list_revisions(session: Session, article_id: int, *, cursor: str | None, limit: int) -> Page[RevisionSummary]:
    """Revisions newest first, ``limit`` at a time."""
    after = decode_cursor(cursor, {"n": int})
    query = (
        select(
            Revision.number, Revision.title, User.username, Revision.saved_at, Revision.message, Revision.content_hash
        )
        .join(User, User.id == Revision.saved_by_id)
        .where(Revision.article_id == article_id)
        .order_by(Revision.number.desc())
        .limit(limit + 1)
    )
    if after:
        query = query.where(Revision.number < after["n"])
    rows = session.execute(query).all()
    items = [
        RevisionSummary(number=n, title=t, saved_by=u, saved_at=at, message=m, content_hash=h)
        for n, t, u, at, m, h in rows[:limit]
    ]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor({"n": items[-1].number}) if more else None)
