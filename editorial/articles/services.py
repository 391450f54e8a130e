"""Creating, loading, listing and saving articles; every save goes through the workflow policy."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlmodel import Session

from editorial.articles.reading import ArticleRow, load, load_for_change, read, read_fields
from editorial.articles.schemas import (
    ArticleCreate,
    ArticleRead,
    ArticleSaved,
    ArticleSummary,
    ArticleUpdate,
    MergeInfo,
)
from editorial.auth.principal import Principal
from editorial.db.models import Article, ArticleAuthor, Desk, Revision, User
from editorial.desks.services import desk_workflows
from editorial.events import outbox
from editorial.lib.errors import Conflict, InvalidInput, PreconditionFailed, PreconditionRequired
from editorial.lib.paging import Page, decode_cursor, encode_cursor
from editorial.revisions.merging import merge_content
from editorial.revisions.services import CONTENT_FIELDS, append_revision, content_of, get_revision, stored_content
from editorial.workflow import engine, policy
from editorial.workflow.model import State
from editorial.workflow.registry import get_workflow


def etag(revision: int) -> str:
    return f'"r{revision}"'


def parse_if_match(header: str | None) -> int | None:
    """The revision number an ``If-Match`` header names (428 when absent; None when it names none)."""
    if not header:
        raise PreconditionRequired("send If-Match with the ETag of the revision you edited")
    match = re.fullmatch(r'\s*(?:W/)?"?r(\d{1,9})"?\s*', header)
    return int(match.group(1)) if match else None


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return slug or "article"


def _unique_slug(session: Session, base: str) -> str:
    taken = set(session.scalars(select(Article.slug).where(Article.slug.startswith(base, autoescape=True))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def user_ids(session: Session, usernames: list[str]) -> dict[str, int]:
    """Map usernames to ids; 422 naming any that do not exist."""
    found = dict(session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all())
    unknown = [name for name in usernames if name not in found]
    if unknown:
        raise InvalidInput.field("authors", f"unknown users: {', '.join(unknown)}")
    return {name: found[name] for name in usernames}


def create(session: Session, principal: Principal, data: ArticleCreate, *, now: datetime) -> ArticleRead:
    """Start an article on a desk, with its creator as author and a first revision."""
    desk = session.get(Desk, data.desk)
    if desk is None:
        raise InvalidInput.field("desk", f"unknown desk {data.desk!r}")
    policy.may_create(principal, desk.id).require()
    assert principal.user_id is not None
    if data.slug and session.scalar(select(Article.id).where(Article.slug == data.slug)) is not None:
        raise Conflict(f"slug {data.slug!r} is taken")
    article = Article(
        slug=data.slug or _unique_slug(session, slugify(data.title)),
        desk_id=desk.id,
        state=get_workflow(desk.workflow).initial.value,
        state_changed_at=now,
        created_at=now,
        updated_at=now,
        created_by_id=principal.user_id,
    )
    session.add(article)
    session.flush()
    assert article.id is not None
    session.add(ArticleAuthor(article_id=article.id, user_id=principal.user_id))
    content = {**data.model_dump(include={"title", "dek", "body", "tags"}), "authors": [principal.username]}
    append_revision(session, article, content, head=None, saved_by=principal.user_id, message="created", now=now)
    outbox.emit(
        session, "article.created", article.id, principal, now, desk=desk.id, slug=article.slug, state=article.state
    )
    return read(article, content)


class EditConflict(Conflict):
    """A stale save asked to be merged, but both edits changed the same text."""

    slug, title = "edit-conflict", "Your edit overlaps a newer one"


def save(
    session: Session,
    principal: Principal,
    article_id: int,
    changes: dict[str, Any],
    *,
    if_match: str | None,
    message: str,
    now: datetime,
    merge: bool = False,
) -> ArticleSaved:
    """Append a revision with ``changes``; the workflow decides whether the state allows it.

    A save based on an older revision is 412, or with ``merge`` a three-way merge onto the head:
    disjoint edits become one new revision, overlapping ones are 409 with the conflicting spans.
    """
    base = parse_if_match(if_match)
    loaded, head = load_for_change(session, principal, article_id)
    article = loaded.article
    policy.may_edit(principal, loaded.subject).require()
    content = {**head, **{k: v for k, v in changes.items() if k in CONTENT_FIELDS}}
    merged_from = None
    if base != article.head_revision:
        if not merge or base is None or not 1 <= base < article.head_revision:
            # Even an If-Match that names no revision gets the current one, so the client can recover.
            edited = f"you edited revision {base}" if base is not None else f"If-Match {if_match!r} names no revision"
            raise PreconditionFailed(
                f"{edited}, but the latest is {article.head_revision}", current_revision=article.head_revision
            )
        content = _merge(session, article, base, changes, head)
        merged_from = MergeInfo(base=base, head=article.head_revision)
        message = message or f"merged an edit of revision {base} onto revision {article.head_revision}"
    if content == head:
        return ArticleSaved.model_construct(**read_fields(article, head), merged=merged_from)
    if content["authors"] != head["authors"]:
        _replace_authors(session, article, user_ids(session, content["authors"]).values())
    assert principal.user_id is not None
    number = append_revision(session, article, content, head=head, saved_by=principal.user_id, message=message, now=now)
    outbox.emit(
        session,
        "article.revised",
        article_id,
        principal,
        now,
        revision=number,
        message=message,
        merged_onto=merged_from.head if merged_from else None,
    )
    engine.record_edit(session, loaded.workflow, article, principal, now=now)
    article.write(session)
    return ArticleSaved.model_construct(**read_fields(article, content), merged=merged_from)


def _merge(
    session: Session, article: ArticleRow, base: int, changes: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    assert article.id is not None
    base_content = stored_content(session, get_revision(session, article.id, base))
    mine = {**base_content, **{k: v for k, v in changes.items() if k in CONTENT_FIELDS}}
    merged, conflicts = merge_content(base_content, mine, theirs)
    if conflicts:
        raise EditConflict(
            f"{len(conflicts)} part(s) of your edit of revision {base} overlap changes made since; nothing was saved",
            current_revision=article.head_revision,
            conflicts=[asdict(c) for c in conflicts],
        )
    return merged


def update(
    session: Session,
    principal: Principal,
    article_id: int,
    data: ArticleUpdate,
    *,
    if_match: str | None,
    now: datetime,
    merge: bool = False,
) -> ArticleSaved:
    """A ``PUT``: the fields the client sent, applied over the head revision (422 for any sent as null)."""
    changes = data.model_dump(exclude_unset=True, exclude={"message"})
    nulls = [name for name, value in changes.items() if value is None]
    if nulls:
        message = "may not be null; leave it out to keep the current value"
        raise InvalidInput(
            "; ".join(f"{name}: {message}" for name in nulls),
            errors=[{"field": name, "message": message} for name in nulls],
        )
    return save(session, principal, article_id, changes, if_match=if_match, message=data.message, now=now, merge=merge)


def _replace_authors(session: Session, article: ArticleRow, ids: Any) -> None:
    wanted = set(ids)
    current = set(session.scalars(select(ArticleAuthor.user_id).where(ArticleAuthor.article_id == article.id)))
    for user_id in current - wanted:
        session.delete(session.get(ArticleAuthor, (article.id, user_id)))
    for user_id in wanted - current:
        assert article.id is not None
        session.add(ArticleAuthor(article_id=article.id, user_id=user_id))
    session.flush()


def visible_clause(principal: Principal, scope: policy.Scope) -> ColumnElement[bool]:
    """SQL for "the article lies in ``scope``": by desk role, or by authorship."""
    clauses: list[ColumnElement[bool]] = []
    for desk_id, states in scope.by_role.items():
        if states:
            clauses.append(and_(Article.desk_id == desk_id, Article.state.in_([s.value for s in states])))
    authored = select(ArticleAuthor.article_id).where(ArticleAuthor.user_id == principal.user_id)
    for desk_id, states in scope.by_authorship.items():
        if states and principal.user_id is not None:
            clauses.append(
                and_(
                    Article.desk_id == desk_id,
                    Article.state.in_([s.value for s in states]),
                    Article.id.in_(authored),
                )
            )
    return or_(*clauses) if clauses else false()


def list_visible(
    session: Session,
    principal: Principal,
    *,
    state: str | None,
    desk: str | None,
    author: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ArticleSummary]:
    """Articles the caller may see, newest first, filtered and paged."""
    after = decode_cursor(cursor, {"id": int})
    scope = policy.view_scope(principal, desk_workflows(session))
    query = (
        select(Article, Revision)
        .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.head_revision))
        .where(visible_clause(principal, scope))
        .order_by(Article.id.desc())
        .limit(limit + 1)
    )
    if state:
        if state not in State.__members__:
            raise InvalidInput.field("state", f"unknown state {state!r}; one of {', '.join(State)}")
        query = query.where(Article.state == state)
    if desk:
        query = query.where(Article.desk_id == desk)
    if author:
        query = query.where(
            Article.id.in_(
                select(ArticleAuthor.article_id)
                .join(User, User.id == ArticleAuthor.user_id)
                .where(User.username == author)
            )
        )
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Revision.title.ilike(pattern, escape="\\"),
                Revision.dek.ilike(pattern, escape="\\"),
                Revision.body.ilike(pattern, escape="\\"),
            )
        )
    if after:
        query = query.where(Article.id < after["id"])
    rows = session.execute(query).all()
    items = [ArticleSummary.model_construct(**read_fields(a, content_of(r))) for a, r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


def restore(
    session: Session, principal: Principal, article_id: int, number: int, *, if_match: str | None, now: datetime
) -> ArticleRead:
    """Save the content of revision ``number`` again as a new revision (same rules as any save)."""
    loaded = load(session, principal, article_id)
    old = get_revision(session, article_id, number)
    return save(
        session,
        principal,
        article_id,
        stored_content(session, old),
        if_match=if_match or etag(loaded.article.head_revision),
        message=f"restored revision {number}",
        now=now,
    )
