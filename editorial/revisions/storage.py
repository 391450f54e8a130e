"""Compact revision storage: the head is a full copy, older bodies are deltas, snapshots bound the chains.

Revisions are numbered in blocks of ``BLOCK`` (1..64, 65..128, ...). The first of a block is a
full snapshot; revision ``s + i`` of the block at ``s`` is stored as a diff-match-patch delta
(``diff_toDelta``) against revision ``s + (i & (i - 1))`` (a skip-delta), so reading any
revision applies at most log2(BLOCK) deltas. The head is always a full copy (reads and search
use it); when a save makes a new head, the previous one is compacted. A body whose delta would
not be smaller than the text stays a snapshot. Content never changes: only its representation,
and every representation rebuilds exactly (``editorial revisions verify`` checks each hash).
"""

from __future__ import annotations

from diff_match_patch import diff_match_patch
from sqlalchemy import select
from sqlmodel import Session

from editorial.db.models import Revision
from editorial.revisions.diffing import Granularity, diff_text

BLOCK = 64
ENCODE_BUDGET_SECONDS = 0.05


def delta_base(number: int, block: int = BLOCK) -> int | None:
    """The revision that ``number`` is stored as a delta against (None: it is a block's snapshot)."""
    start = 1 + block * ((number - 1) // block)
    index = number - start
    return None if index == 0 else start + (index & (index - 1))


def encode(old: str, new: str) -> str:
    # A word diff, not a character one: a rewritten sentence becomes one insert instead of dozens of
    # scraps of common letters, so deltas are smaller and far quicker to decode (bench/storage.py).
    # A diff cut short by the budget is still exact, only larger; compact() then keeps the text.
    # The budget is small because a save waits for it (holding SQLite's write lock): after a
    # whole-body rewrite, a full second per save was measured with 1 s (bench/storage.py).
    return diff_match_patch().diff_toDelta(diff_text(old, new, Granularity.word, budget=ENCODE_BUDGET_SECONDS).ops)


def decode(old: str, delta: str) -> str:
    engine = diff_match_patch()
    return engine.diff_text2(engine.diff_fromDelta(old, delta))


def compact(session: Session, revision: Revision) -> None:
    """Store a revision that is no longer the head as a delta, when that is smaller."""
    base = delta_base(revision.number)
    if base is None or revision.body is None:
        return
    delta = encode(body_of(session, revision.article_id, base), revision.body)
    if len(delta) < len(revision.body):
        revision.body, revision.body_base, revision.body_delta = None, base, delta
        session.add(revision)


def body_of(session: Session, article_id: int, number: int) -> str:
    """The exact body of a revision, rebuilt from its snapshot and deltas if need be."""
    wanted = [number]
    while (base := delta_base(wanted[-1])) is not None:
        wanted.append(base)
    rows = {
        n: (body, base, delta)
        for n, body, base, delta in session.execute(
            select(Revision.number, Revision.body, Revision.body_base, Revision.body_delta).where(
                Revision.article_id == article_id, Revision.number.in_(wanted)
            )
        )
    }
    chain, current = [], number
    while True:
        if current not in rows:  # a base stored under other block rules: fetch it too
            row = session.execute(
                select(Revision.body, Revision.body_base, Revision.body_delta).where(
                    Revision.article_id == article_id, Revision.number == current
                )
            ).one()
            rows[current] = tuple(row)
        body, base, delta = rows[current]
        if body is not None:
            break
        chain.append(delta)
        current = base
    for delta in reversed(chain):
        body = decode(body, delta)
    return body
