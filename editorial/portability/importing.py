"""Reading an export into an empty database, in one transaction: all of it, or nothing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, SQLModel

from editorial.db.models import (
    ApiToken,
    Article,
    ArticleAuthor,
    Desk,
    Event,
    EventSequence,
    HistoryEntry,
    Revision,
    RoleGrant,
    ScheduleFiring,
    User,
    Webhook,
)
from editorial.portability.records import FORMAT, KINDS, VERSION, instant
from editorial.revisions.services import CONTENT_FIELDS, content_hash
from editorial.revisions.storage import compact

TIMES = {
    "desk": ("created_at",),
    "user": ("created_at",),
    "article": (
        "publish_at",
        "unpublish_at",
        "schedule_retry_at",
        "published_at",
        "state_changed_at",
        "created_at",
        "updated_at",
    ),
    "revision": ("saved_at",),
    "history": ("at",),
    "event": ("occurred_at",),
    "schedule_firing": ("due_at", "fired_at"),
}
SERIAL_TABLES = (User, RoleGrant, Article, Revision, HistoryEntry, Event, ScheduleFiring)


class ImportRefused(Exception):
    """The database is not empty, or the file is not an export this version reads."""


@dataclass
class _Import:
    session: Session
    users: dict[str, int] = field(default_factory=dict)
    heads: dict[int, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    last_kind: int = 0
    line: int = 1


def import_lines(session: Session, lines: Iterable[str]) -> dict[str, int]:
    """Load an export into ``session``'s empty database; returns how many records of each kind."""
    _require_empty(session)
    state = _Import(session)
    numbered = enumerate(lines, start=1)
    _read_header(next(numbered, (1, "")))
    session.execute(delete(Desk))  # the defaults a migration made; the export has the newsroom's own
    try:
        for state.line, text_line in numbered:
            if text_line.strip():
                _load(state, json.loads(text_line))
        session.flush()
    except ImportRefused as error:
        raise ImportRefused(f"line {state.line}: {error}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ImportRefused(f"line {state.line}: not a valid record ({type(error).__name__}: {error})") from None
    except (IntegrityError, DataError) as error:  # rows are written a section at a time: the line is near
        raise ImportRefused(f"near line {state.line}: the database refused a row ({error.orig})") from None
    _compact(state)
    _restart_counters(session)
    return state.counts


def _require_empty(session: Session) -> None:
    held = {
        table.__tablename__: session.scalar(select(func.count()).select_from(table))
        for table in (User, Article, Event, ApiToken, Webhook)
    }
    if any(held.values()):
        found = ", ".join(f"{count} {name}" for name, count in held.items() if count)
        raise ImportRefused(
            f"the database is not empty ({found}); import into a new one (editorial db upgrade creates it)"
        )


def _read_header(numbered: tuple[int, str]) -> None:
    _, line = numbered
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("kind") != FORMAT:
        raise ImportRefused("line 1: not an editorial export (it starts with a header line)")
    if header.get("version") != VERSION:
        raise ImportRefused(f"line 1: export version {header.get('version')!r}; this version reads {VERSION}")


def _load(state: _Import, record: dict[str, Any]) -> None:
    kind = record.pop("kind", None)
    if kind not in KINDS:
        raise ImportRefused(f"unknown kind {kind!r}")
    order = KINDS.index(kind)
    if order < state.last_kind:
        raise ImportRefused(f"{kind} after {KINDS[state.last_kind]}: sections are out of order")
    if order > state.last_kind:
        state.session.flush()  # each section refers to rows of the earlier ones
    state.last_kind = order
    for name in TIMES.get(kind, ()):
        record[name] = instant(record.get(name))
    state.counts[kind] += 1
    LOADERS[kind](state, record)


def _user_id(state: _Import, username: str) -> int:
    if username not in state.users:
        raise ImportRefused(f"unknown user {username!r}")
    return state.users[username]


def _add(state: _Import, row: SQLModel) -> None:
    state.session.add(row)


def _desk(state: _Import, record: dict[str, Any]) -> None:
    _add(state, Desk(**record))


def _user(state: _Import, record: dict[str, Any]) -> None:
    _add(state, User(**record))
    state.users[record["username"]] = record["id"]


def _grant(state: _Import, record: dict[str, Any]) -> None:
    user_id = _user_id(state, record["user"])
    _add(state, RoleGrant(id=record["id"], user_id=user_id, role=record["role"], desk_id=record["desk"]))


def _article(state: _Import, record: dict[str, Any]) -> None:
    authors, desk = record.pop("authors"), record.pop("desk")
    created_by = _user_id(state, record.pop("created_by"))
    article = Article(**record, desk_id=desk, created_by_id=created_by)
    _add(state, article)
    state.session.flush()  # authors and revisions refer to it
    assert article.id is not None
    state.heads[article.id] = article.head_revision
    for username in authors:
        _add(state, ArticleAuthor(article_id=article.id, user_id=_user_id(state, username)))


def _revision(state: _Import, record: dict[str, Any]) -> None:
    saved_by = _user_id(state, record.pop("saved_by"))
    content = {name: record[name] for name in CONTENT_FIELDS}
    if content_hash(content) != record["content_hash"]:
        raise ImportRefused(f"article {record['article_id']} revision {record['number']}: content hash mismatch")
    _add(state, Revision(**record, saved_by_id=saved_by))


def _history(state: _Import, record: dict[str, Any]) -> None:
    actor = record.pop("actor")
    _add(state, HistoryEntry(**record, actor_id=_user_id(state, actor) if actor is not None else None))


def _event(state: _Import, record: dict[str, Any]) -> None:
    _add(state, Event(**record))


def _firing(state: _Import, record: dict[str, Any]) -> None:
    _add(state, ScheduleFiring(**record))


LOADERS = {
    "desk": _desk,
    "user": _user,
    "role_grant": _grant,
    "article": _article,
    "revision": _revision,
    "history": _history,
    "event": _event,
    "schedule_firing": _firing,
}


def _compact(state: _Import) -> None:
    """Store every revision but each head as the normal save path does: as a delta where that is smaller."""
    for revision in state.session.scalars(select(Revision).order_by(Revision.article_id, Revision.number)):
        if revision.number != state.heads.get(revision.article_id):
            compact(state.session, revision)
    state.session.flush()


def _restart_counters(session: Session) -> None:
    """The event sequence and, on PostgreSQL, each id sequence continue after the imported rows."""
    last_seq = session.scalar(select(func.max(Event.seq))) or 0
    session.execute(update(EventSequence).where(EventSequence.id == 1).values(value=last_seq))
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite gives each new row max(id) + 1
    for model in SERIAL_TABLES:
        table = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )
        )
