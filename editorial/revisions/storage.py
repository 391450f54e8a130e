"""Compact revision storage: the head is a full copy, older bodies are packed snapshots and deltas.

Revisions are numbered in blocks of ``BLOCK`` (1..64, 65..128, ...). The first of a block is a
snapshot; revision ``s + i`` of the block at ``s`` is stored as a delta against revision
``s + (i & (i - 1))`` (a skip-delta), so reading any revision applies at most log2(BLOCK)
deltas. The head is always a full copy in ``body`` (reads and search use it); when a save makes
a new head, the previous one is packed (``revisions/packing.py``: compressed, with a codec byte)
into ``body_packed``, as its delta or as a snapshot, whichever is smaller. Content never changes:
only its representation, and every representation rebuilds exactly (``editorial revisions
verify`` checks each hash).
"""

from __future__ import annotations

from diff_match_patch import diff_match_patch
from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from editorial.db.models import Revision
from editorial.lib.cache import LRUCache
from editorial.revisions.diffing import EQUAL, Granularity, diff_text
from editorial.revisions.packing import pack_delta, pack_snapshot, unpack_delta, unpack_snapshot

BLOCK = 64
ENCODE_BUDGET_SECONDS = 0.05
CHAIN = BLOCK.bit_length()
"""The most rows a rebuild reads: the revision and at most log2(BLOCK) bases."""
BASE_CACHE_ENTRIES = 256
"""Decoded bases kept per process, by content hash (a revision's content never changes); at most this many bodies."""
_bases: LRUCache[str] = LRUCache(BASE_CACHE_ENTRIES)
_ends = diff_match_patch()

_COLUMNS = (Revision.number, Revision.content_hash, Revision.body, Revision.body_base, Revision.body_packed)
# One statement of fixed shape: an expanding IN list is rendered anew on every execution, which
# cost about 0.17 ms a read on SQLite, as much as a whole read of a full copy (docs/performance.md).
_CHAIN_ROWS = select(*_COLUMNS).where(
    Revision.article_id == bindparam("article"), Revision.number.in_([bindparam(f"n{i}") for i in range(CHAIN)])
)
_ONE_ROW = select(*_COLUMNS).where(Revision.article_id == bindparam("article"), Revision.number == bindparam("n0"))


def delta_base(number: int, block: int = BLOCK) -> int | None:
    """The revision that ``number`` is stored as a delta against (None: it is a block's snapshot)."""
    start = 1 + block * ((number - 1) // block)
    index = number - start
    return None if index == 0 else start + (index & (index - 1))


def encode(old: str, new: str) -> bytes:
    """A packed delta that rebuilds ``new`` from ``old``."""
    # What the two share at either end is kept whole without being diffed: an edit is typically a
    # few words in a long body, and splitting all of it into words cost more than the rest of the
    # packing. The ends may split a word; the delta is as exact, and as small.
    start = _ends.diff_commonPrefix(old, new)
    end = _ends.diff_commonSuffix(old[start:], new[start:])
    # A word diff, not a character one: a rewritten sentence becomes one insert instead of dozens of
    # scraps of common letters, so deltas are smaller and far quicker to decode (bench/storage.py).
    # A diff cut short by the budget is still exact, only larger; compact() then keeps a snapshot.
    # The budget is small because a save waits for it (holding SQLite's write lock): after a
    # whole-body rewrite, a full second per save was measured with 1 s (bench/storage.py).
    old_middle, new_middle = old[start : len(old) - end], new[start : len(new) - end]
    middle = diff_text(old_middle, new_middle, Granularity.word, budget=ENCODE_BUDGET_SECONDS).ops
    return pack_delta(old, [(EQUAL, old[:start]), *middle, (EQUAL, old[len(old) - end :])])


def decode(old: str, packed: bytes) -> str:
    """The body a packed delta rebuilds from ``old``."""
    return unpack_delta(old, packed)


def packed(session: Session, article_id: int, number: int, body: str) -> tuple[bytes, int | None]:
    """Revision ``number``'s ``body`` packed, and the revision it is a delta against (None: a snapshot).

    A delta against its base when one is smaller than the snapshot would be. The snapshot is only
    compressed to compare when the delta is not already far smaller: prose deflates to a third
    or a quarter of its bytes, never to a sixteenth (bench/storage.py), so below that bound the
    delta wins without compressing the whole body a second time.
    """
    base = delta_base(number)
    if base is not None:
        delta = encode(body_of(session, article_id, base), body)
        if len(delta) * SURE_WIN < len(body) or len(delta) < len(snapshot := pack_snapshot(body)):
            return delta, base
        return snapshot, None
    return pack_snapshot(body), None


SURE_WIN = 16
"""A delta this many times smaller than the raw body is smaller than its snapshot too."""

_PACK = (
    update(Revision)
    .where(Revision.article_id == bindparam("article"), Revision.number == bindparam("revision"))
    .values(body=None, body_base=bindparam("base"), body_packed=bindparam("data"))
)


def pack(session: Session, article_id: int, number: int, body: str) -> None:
    """Store revision ``number``, no longer the head, packed instead of whole (its ``body`` as the caller read it)."""
    data, base = packed(session, article_id, number, body)
    session.connection().execute(_PACK, {"article": article_id, "revision": number, "base": base, "data": data})


def compact(session: Session, revision: Revision) -> None:
    """Pack a revision entity that is no longer the head (an import builds its rows as entities)."""
    if revision.body is None:
        return
    revision.body_packed, revision.body_base = packed(session, revision.article_id, revision.number, revision.body)
    revision.body = None
    session.add(revision)


def body_of(session: Session, article_id: int, number: int, *, cached: bool = True) -> str:
    """The exact body of a revision, rebuilt from its snapshot and deltas if need be.

    ``cached=False`` rebuilds every base from the rows (``editorial revisions verify`` does).
    """
    wanted = [number]
    while (base := delta_base(wanted[-1])) is not None:
        wanted.append(base)
    wanted += wanted[-1:] * (CHAIN - len(wanted))
    # Core, not the ORM: rows are only read here, and whatever state a row is in (flushed or not)
    # it holds the same content, so the ORM's autoflush and entity machinery buy nothing.
    connection = session.connection()
    params = {"article": article_id, **{f"n{i}": n for i, n in enumerate(wanted)}}
    rows = {row[0]: row[1:] for row in connection.execute(_CHAIN_ROWS, params)}

    def rebuild(current: int) -> str:
        if current not in rows:  # a base stored under other block rules: fetch it too
            rows[current] = connection.execute(_ONE_ROW, {"article": article_id, "n0": current}).one()[1:]
        digest, body, base, packed = rows[current]
        if body is not None:
            return body

        def unpack() -> str:
            return unpack_snapshot(packed) if base is None else unpack_delta(rebuild(base), packed)

        # Only bases are kept: each is shared by the revisions stored against it (a snapshot by its
        # whole block), where the revision asked for is typically read once (diffs cache their own).
        return _bases.get_or_compute(digest, unpack) if cached and current != number else unpack()

    return rebuild(number)
