"""Writing and reading revisions; a revision is never changed once written."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import insert, select
from sqlmodel import Session

from editorial.db.models import HistoryEntry, Revision, User
from editorial.db.types import MAX_INTEGER
from editorial.lib.cache import LRUCache
from editorial.lib.errors import NotFound
from editorial.lib.paging import Page, decode_cursor, encode_cursor
from editorial.revisions.diffing import Granularity, diff_text, render_html, render_unified, word_counts
from editorial.revisions.schemas import DiffRead, DiffSide, DiffStats, FieldDiff, RevisionRead, RevisionSummary
from editorial.revisions.storage import body_of, pack
from editorial.settings import get_settings

if TYPE_CHECKING:
    from editorial.articles.reading import AnyArticle

CONTENT_FIELDS = ("title", "dek", "body", "tags", "authors")


def content_of(revision: Revision) -> dict[str, Any]:
    """The content of a revision stored whole (the head always is), as a plain dict."""
    assert revision.body is not None, "use stored_content() for a revision that may be a delta"
    return {name: getattr(revision, name) for name in CONTENT_FIELDS}


def stored_content(session: Session, revision: Revision, *, cached: bool = True) -> dict[str, Any]:
    """The content of any revision, its body rebuilt from deltas if need be (from the rows alone if not ``cached``)."""
    body = revision.body
    if body is None:
        body = body_of(session, revision.article_id, revision.number, cached=cached)
    return {**{name: getattr(revision, name) for name in CONTENT_FIELDS if name != "body"}, "body": body}


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the content's canonical JSON: ``json.dumps(..., sort_keys=True, ensure_ascii=False)``."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


_KEYS = {name: f'"{name}": '.encode() for name in sorted(CONTENT_FIELDS)}


def canonical_json(content: dict[str, Any]) -> bytes:
    """The bytes ``json.dumps`` gives of the content fields with sorted keys and without ASCII escapes.

    Put together from msgspec's encoding of each string, which escapes exactly as ``json`` does
    (tests/revisions/test_content_hash.py) and takes a tenth of the time on a long body: the hash
    is taken on every save. A value of any other shape than a string or a list of strings gets
    ``json.dumps`` itself.
    """
    parts = []
    for name, key in _KEYS.items():
        value = content[name]
        if type(value) is str:
            parts.append(key + msgspec.json.encode(value))
        elif type(value) is list and all(type(item) is str for item in value):
            parts.append(key + b"[" + b", ".join(msgspec.json.encode(item) for item in value) + b"]")
        else:
            fields = {field: content[field] for field in CONTENT_FIELDS}
            return json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
    return b"{" + b", ".join(parts) + b"}"


_INSERT_REVISION = insert(Revision)


def append_revision(
    session: Session,
    article: AnyArticle,
    content: dict[str, Any],
    *,
    head: dict[str, Any] | None,
    saved_by: int,
    message: str,
    now: datetime,
) -> int:
    """Write the next revision of ``article`` and move its head to it; returns its number.

    ``head`` is the content of the head until now (None for the first revision): it is packed
    from that content, which the caller has read already, instead of being read again.
    """
    assert article.id is not None
    if head is not None:
        pack(session, article.id, article.head_revision, head["body"])
    number = article.head_revision + 1
    # A plain INSERT: revisions are written once and never read back as entities in the same transaction.
    session.connection().execute(
        _INSERT_REVISION,
        {
            "article_id": article.id,
            "number": number,
            "saved_by_id": saved_by,
            "saved_at": now,
            "message": message,
            "content_hash": content_hash(content),
            **{k: content[k] for k in CONTENT_FIELDS},
        },
    )
    article.head_revision = number
    article.updated_at = now
    return number


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
    metadata = revision.model_dump(include={"number", "saved_at", "message", "content_hash"})
    return RevisionRead(saved_by=username, **metadata, **stored_content(session, revision))


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


def revision_content(session: Session, article_id: int, number: int) -> tuple[dict[str, Any], DiffSide]:
    """A revision's content and who wrote it (404 if there is no such revision)."""
    read = read_revision(session, article_id, number)
    side = DiffSide(revision=read.number, saved_by=read.saved_by, saved_at=read.saved_at, message=read.message)
    return {name: getattr(read, name) for name in CONTENT_FIELDS}, side


def last_signed_revision(session: Session, article_id: int, sign_offs: set[str], user_id: int | None) -> int | None:
    """The revision last signed off on the article, by ``user_id`` if given."""
    query = select(HistoryEntry.revision).where(
        HistoryEntry.article_id == article_id, HistoryEntry.transition.in_(sign_offs)
    )
    if user_id is not None:
        query = query.where(HistoryEntry.actor_id == user_id)
    return session.scalar(query.order_by(HistoryEntry.id.desc()).limit(1))


@dataclass(frozen=True, slots=True)
class _Computed:
    fields: dict[str, FieldDiff]
    coarsened: bool
    stats: DiffStats


_diffs: LRUCache[_Computed] = LRUCache(get_settings().diff_cache_entries)


def _side(session: Session, article_id: int, number: int) -> tuple[DiffSide, str]:
    row = session.execute(
        select(Revision.number, User.username, Revision.saved_at, Revision.message, Revision.content_hash)
        .join(User, User.id == Revision.saved_by_id)
        .where(Revision.article_id == article_id, Revision.number == number)
    ).first()
    if row is None:
        raise NotFound(f"article {article_id} has no revision {number}")
    number, username, saved_at, message, digest = row
    return DiffSide(revision=number, saved_by=username, saved_at=saved_at, message=message), digest


def diff_revisions(session: Session, article_id: int, old: int, new: int, granularity: Granularity) -> DiffRead:
    """Field-by-field diff of two revisions, cached by their content hashes."""
    budget = get_settings().diff_budget_seconds
    old_side, old_hash = _side(session, article_id, old)
    new_side, new_hash = _side(session, article_id, new)

    def compute() -> _Computed:
        before_content, _ = revision_content(session, article_id, old)
        after_content, _ = revision_content(session, article_id, new)
        fields: dict[str, FieldDiff] = {}
        coarsened = False
        added = removed = 0
        deadline = time.monotonic() + budget  # one budget for the whole diff, shared by its fields
        for name in CONTENT_FIELDS:
            before, after = _as_text(before_content[name]), _as_text(after_content[name])
            left = max(deadline - time.monotonic(), 0.001)
            result = diff_text(before, after, granularity, budget=left)
            coarsened |= result.coarsened
            plus, minus = word_counts(result.ops)
            added, removed = added + plus, removed + minus
            fields[name] = FieldDiff(changed=before != after, ops=result.ops)
        changed = sum(f.changed for f in fields.values())
        return _Computed(fields, coarsened, DiffStats(words_added=added, words_removed=removed, fields_changed=changed))

    # A diff the budget cut short is not kept: the next request may have the time to do better.
    computed = _diffs.get_or_compute(
        (old_hash, new_hash, granularity.value, budget), compute, keep=lambda c: not c.coarsened
    )
    return DiffRead(
        article=article_id,
        granularity=granularity.value,
        old=old_side,
        new=new_side,
        coarsened=computed.coarsened,
        fields=computed.fields,
        stats=computed.stats,
    )


def _as_text(value: str | list[str]) -> str:
    """Lists (tags, authors) are diffed one item a line."""
    return "\n".join(value) if isinstance(value, list) else value


def render_diff_html(diff: DiffRead) -> str:
    header = (
        f'<div class="diff" data-article="{diff.article}" data-old="{diff.old.revision}" '
        f'data-new="{diff.new.revision}" data-granularity="{diff.granularity}">'
    )
    sections = [render_html(name, field.ops) for name, field in diff.fields.items() if field.changed]
    return "\n".join([header, *sections, "</div>"]) + "\n"


def render_diff_unified(session: Session, diff: DiffRead) -> str:
    old, _ = revision_content(session, diff.article, diff.old.revision)
    new, _ = revision_content(session, diff.article, diff.new.revision)
    parts = []
    for name, field in diff.fields.items():
        if field.changed:
            before, after = _as_text(old[name]), _as_text(new[name])
            parts.append(
                render_unified(name, before, after, f"revision {diff.old.revision}", f"revision {diff.new.revision}")
            )
    return "".join(parts)


def verify_all(session: Session) -> tuple[int, list[str]]:
    """Rebuild every revision and check it against its content hash; returns (checked, problems)."""
    checked, problems = 0, []
    for revision in session.scalars(select(Revision).order_by(Revision.article_id, Revision.number)):
        checked += 1
        try:
            content = stored_content(session, revision, cached=False)  # what the rows hold, not what was read before
        except Exception as error:  # a broken chain is what this command exists to report
            problems.append(f"article {revision.article_id} revision {revision.number}: cannot rebuild ({error})")
            continue
        if content_hash(content) != revision.content_hash:
            problems.append(f"article {revision.article_id} revision {revision.number}: content hash mismatch")
    return checked, problems
