"""Reading articles: who may see one, the one-statement reads, and the plain row the write paths change.

Every path that shows or changes one article starts here: ``load`` (the ORM entity, for the paths
that change several rows through it), ``load_for_change`` (a locked plain row with its head
content: saves and transitions), ``get`` (the hot read). All of them answer 404, never 403, to a
caller who may not see the article, so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, select, update
from sqlmodel import Session

from editorial.articles.schemas import ArticleRead
from editorial.auth.principal import Principal
from editorial.db.direct import Direct
from editorial.db.models import Article, ArticleAuthor, Desk, Revision
from editorial.db.types import MAX_INTEGER
from editorial.lib.errors import NotFound
from editorial.revisions.services import CONTENT_FIELDS
from editorial.workflow import policy
from editorial.workflow.model import State, Workflow
from editorial.workflow.registry import get_workflow


@dataclass(slots=True)
class ArticleRow:
    """An article's columns as plain values: changed in place, written back with one ``UPDATE`` if any changed.

    The write paths of one article (a save, a transition) read it with ``load_for_change`` and
    change it here instead of through an ORM entity: the ORM's unit of work cost more than the
    rest of a transition (docs/performance.md). The workflow engine changes either alike.
    """

    id: int
    slug: str
    desk_id: str
    state: str
    head_revision: int
    signed_revision: int | None
    live_revision: int | None
    publish_at: datetime | None
    publish_at_offset: int | None
    unpublish_at: datetime | None
    schedule_attempts: int
    schedule_retry_at: datetime | None
    published_at: datetime | None
    state_changed_at: datetime
    created_at: datetime
    updated_at: datetime
    created_by_id: int
    _loaded: dict[str, Any] = field(repr=False)
    """The columns as last read or written: ``write`` sets those that differ."""

    @classmethod
    def of(cls, row: Any) -> ArticleRow:
        values = {name: getattr(row, name) for name in COLUMNS}
        return cls(**values, _loaded=values)

    def write(self, session: Session) -> None:
        """``UPDATE`` the columns that changed since the row was read (or last written), if any."""
        values = {name: getattr(self, name) for name in COLUMNS}
        changed = tuple(name for name, value in values.items() if value != self._loaded[name])
        if changed:
            # Only what changed: every index over a column the UPDATE sets is rewritten, on SQLite
            # even where the value stays the same (two pages more in each commit when all were set).
            params = {f"new_{name}": values[name] for name in changed}
            _update_of(changed).run(session.connection(), {"new_id": self.id, **params})
            self._loaded = values


COLUMNS = tuple(f.name for f in fields(ArticleRow) if not f.name.startswith("_"))
AnyArticle = Article | ArticleRow
"""An article as an ORM entity (written by the session's flush) or as a plain row (by ``ArticleRow.write``)."""


@cache
def _update_of(columns: tuple[str, ...]) -> Direct:
    """The ``UPDATE`` of these columns of one article, built once per set of columns (a handful occur)."""
    return Direct(
        update(Article)
        .where(Article.id == bindparam("new_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


@dataclass(slots=True)
class Loaded:
    """An article the caller may see, with the facts the policy needs."""

    article: AnyArticle
    workflow: Workflow
    subject: policy.Subject


IS_AUTHOR = (
    exists()
    .where(ArticleAuthor.article_id == Article.id, ArticleAuthor.user_id == bindparam("user_id"))
    .label("is_author")
)
"""SQL for "the article is authored by ``:user_id``" (never for the system, whose id is null)."""


def subject_of(article: Any, workflow: Workflow, *, is_author: bool) -> policy.Subject:
    """The policy's view of ``article`` (an entity, or a row with the same names)."""
    return policy.Subject(
        desk_id=article.desk_id,
        workflow=workflow,
        state=State(article.state),
        is_author=is_author,
        signed_revision=article.signed_revision,
        live_revision=article.live_revision,
    )


def _require_view(principal: Principal, subject: policy.Subject, article_id: int) -> None:
    if not principal.is_system and not policy.may_view(principal, subject).allowed:
        raise NotFound(f"no article {article_id}")


def _connection(session: Session) -> Connection:
    """The session's connection, with its pending ORM changes written first (as a query through the ORM would)."""
    session.flush()  # nothing to do, and next to free, when the session holds no changes
    return session.connection()


def _check_id(article_id: int) -> None:
    if not 1 <= article_id <= MAX_INTEGER:
        raise NotFound(f"no article {article_id}")


def load(session: Session, principal: Principal, article_id: int, *, lock: bool = False) -> Loaded:
    """The article, if the caller may view it (404 otherwise); ``lock`` holds its row to the end."""
    _check_id(article_id)
    query = (
        select(Article, Desk.workflow, IS_AUTHOR).join(Desk, Desk.id == Article.desk_id).where(Article.id == article_id)
    )
    if lock:
        query = query.with_for_update(of=Article)
    row = session.execute(query, {"user_id": principal.user_id}).first()
    if row is None:
        raise NotFound(f"no article {article_id}")
    article, workflow_id, is_author = row
    workflow = get_workflow(workflow_id)
    loaded = Loaded(article, workflow, subject_of(article, workflow, is_author=bool(is_author)))
    _require_view(principal, loaded.subject, article_id)
    return loaded


_HEAD = and_(Revision.article_id == Article.id, Revision.number == Article.head_revision)

READ_ARTICLE = (
    select(
        *(getattr(Article, name) for name in COLUMNS),
        Desk.workflow,
        *(getattr(Revision, name) for name in CONTENT_FIELDS),
        IS_AUTHOR,
    )
    .join(Desk, Desk.id == Article.desk_id)
    .join(Revision, _HEAD)
    .where(Article.id == bindparam("article_id"))
)
"""An article at its head revision, with what the policy needs, in one statement: the hot read."""

_LOCK = Direct(select(Article.id).where(Article.id == bindparam("article_id")).with_for_update())
_READ = Direct(READ_ARTICLE)


def load_for_change(session: Session, principal: Principal, article_id: int) -> tuple[Loaded, dict[str, Any]]:
    """The article as a plain row, locked to the end of the transaction, and its head's content (404 if unseen)."""
    _check_id(article_id)
    params = {"article_id": article_id, "user_id": principal.user_id}
    connection = _connection(session)
    if connection.dialect.name == "postgresql":
        # Lock, then read. Locking in the read itself (FOR UPDATE OF articles) is not enough: a save
        # that waited for the lock has PostgreSQL re-check the row against the join to the head
        # revision read before the wait, which the save it waited for moved on: no row, a 404.
        # SQLite has nothing to lock: a write transaction there holds the database (BEGIN IMMEDIATE).
        _LOCK.run(connection, params)
    row = _READ.first(connection, params)
    if row is None:
        raise NotFound(f"no article {article_id}")
    workflow = get_workflow(row.workflow)
    loaded = Loaded(ArticleRow.of(row), workflow, subject_of(row, workflow, is_author=bool(row.is_author)))
    _require_view(principal, loaded.subject, article_id)
    return loaded, {name: getattr(row, name) for name in CONTENT_FIELDS}


HEAD_CONTENT = select(*(getattr(Revision, name) for name in CONTENT_FIELDS)).where(
    Revision.article_id == bindparam("article_id"), Revision.number == bindparam("number")
)


def head_of(session: Session, article: AnyArticle) -> dict[str, Any]:
    """The content of the article's head revision (stored whole), read as plain columns (after an autoflush)."""
    row = session.execute(HEAD_CONTENT, {"article_id": article.id, "number": article.head_revision})
    content = row.one()._asdict()
    assert content["body"] is not None, "the head revision is always stored whole"
    return content


_ARTICLE_FIELDS = ("id", "slug", "state", "live_revision", "signed_revision", "publish_at", "unpublish_at")
_ARTICLE_FIELDS += ("published_at", "created_at", "updated_at")


def read_fields(article: Any, content: dict[str, Any]) -> dict[str, Any]:
    """The fields of an article's read shape, from the article (an entity or a row) and its content."""
    return {
        **{name: getattr(article, name) for name in _ARTICLE_FIELDS},
        **content,
        "desk": article.desk_id,
        "revision": article.head_revision,
        "publish_at_local": local_time(article.publish_at, article.publish_at_offset),
    }


def local_time(at: datetime | None, offset_minutes: int | None) -> datetime | None:
    """``at`` shown in the UTC offset it was given in."""
    if at is None or offset_minutes is None:
        return at
    return at.astimezone(timezone(timedelta(minutes=offset_minutes)))


def read(article: AnyArticle, content: dict[str, Any]) -> ArticleRead:
    """The article with ``content`` (its head's); both come from the database, so are not validated again."""
    return ArticleRead.model_construct(**read_fields(article, content))


def get(session: Session, principal: Principal, article_id: int) -> ArticleRead:
    """The article at its head revision, if the caller may view it (404 otherwise)."""
    _check_id(article_id)
    params = {"article_id": article_id, "user_id": principal.user_id}
    return read_row(principal, _READ.first(_connection(session), params), article_id)


def read_row(principal: Principal, row: Any, article_id: int) -> ArticleRead:
    """The article of a ``READ_ARTICLE`` row, if there is one and the caller may view it (404 otherwise)."""
    if row is None:
        raise NotFound(f"no article {article_id}")
    _require_view(principal, subject_of(row, get_workflow(row.workflow), is_author=bool(row.is_author)), article_id)
    return ArticleRead.model_construct(**read_fields(row, {name: getattr(row, name) for name in CONTENT_FIELDS}))
