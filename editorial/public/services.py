"""Reading live revisions for anyone: an article is public only while it has a live revision."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import String, and_, cast, select
from sqlmodel import Session

from editorial.db.models import Article, Desk, HistoryEntry, Revision, User
from editorial.lib.cache import LRUCache
from editorial.lib.errors import NotFound
from editorial.lib.paging import Page, decode_cursor, encode_cursor
from editorial.public.schemas import Correction, PublicArticle, PublicSummary
from editorial.revisions.services import stored_content

_bodies: LRUCache[str] = LRUCache(256)
"""Live bodies rebuilt from deltas, by content hash (revisions never change)."""


def _display_names(session: Session, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all())


def _summary(article: Article, revision: Revision, names: dict[str, str]) -> dict[str, object]:
    assert article.published_at is not None
    assert article.live_revision is not None
    return {
        "slug": article.slug,
        "desk": article.desk_id,
        "title": revision.title,
        "dek": revision.dek,
        "tags": revision.tags,
        "authors": [names.get(a, a) for a in revision.authors],
        "published_at": article.published_at,
        "revision": article.live_revision,
    }


def list_live(
    session: Session, *, desk: str | None, tag: str | None, cursor: str | None, limit: int
) -> Page[PublicSummary]:
    """Live articles, newest publication first."""
    after = decode_cursor(cursor, {"t": str, "id": int})
    query = (
        select(Article, Revision)
        .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.live_revision))
        .where(Article.live_revision.is_not(None))
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit + 1)
    )
    if desk:
        query = query.where(Article.desk_id == desk)
    if tag:
        # Tags are a JSON list: match the JSON-encoded string, with LIKE's wildcards escaped.
        needle = json.dumps(tag).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(cast(Revision.tags, String).like(f"%{needle}%", escape="\\"))
    if after:
        at = datetime.fromisoformat(after["t"])
        query = query.where((Article.published_at < at) | ((Article.published_at == at) & (Article.id < after["id"])))
    rows = session.execute(query).all()
    page = rows[:limit]
    names = _display_names(session, {a for _, r in page for a in r.authors})
    items = [PublicSummary(**_summary(a, r, names)) for a, r in page]
    next_cursor = None
    if len(rows) > limit and page:
        last = page[-1][0]
        assert last.published_at is not None
        next_cursor = encode_cursor({"t": last.published_at.isoformat(), "id": last.id})
    return Page(items=items, next_cursor=next_cursor)


def _live_body(session: Session, revision: Revision) -> str:
    if revision.body is not None:
        return revision.body
    return _bodies.get_or_compute(revision.content_hash, lambda: stored_content(session, revision)["body"])


def latest_live(session: Session, desk: str, limit: int) -> list[PublicArticle]:
    """A desk's latest live articles with their bodies, in one query (for feeds)."""
    rows = session.execute(
        select(Article, Revision)
        .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.live_revision))
        .where(Article.live_revision.is_not(None), Article.desk_id == desk)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    ).all()
    names = _display_names(session, {a for _, r in rows for a in r.authors})
    return [PublicArticle(**_summary(a, r, names), body=_live_body(session, r), corrections=[]) for a, r in rows]


def get_live(session: Session, slug: str) -> PublicArticle:
    """One live article by slug; 404 for anything not live, whatever its state."""
    row = session.execute(
        select(Article, Revision)
        .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.live_revision))
        .where(Article.slug == slug, Article.live_revision.is_not(None))
    ).first()
    if row is None:
        raise NotFound(f"no published article {slug!r}")
    article, revision = row
    body = _live_body(session, revision)
    corrections = [
        Correction(at=at, note=note)
        for at, note in session.execute(
            select(HistoryEntry.at, HistoryEntry.correction)
            .where(HistoryEntry.article_id == article.id, HistoryEntry.correction.is_not(None))
            .order_by(HistoryEntry.id)
        )
        if note
    ]
    names = _display_names(session, set(revision.authors))
    return PublicArticle(**_summary(article, revision, names), body=body, corrections=corrections)


def desk_title(session: Session, desk_id: str) -> str:
    desk = session.get(Desk, desk_id)
    if desk is None:
        raise NotFound(f"no desk {desk_id!r}")
    return desk.title
