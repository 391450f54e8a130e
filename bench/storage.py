"""Issue 4, compact revision storage: bytes for a 200-revision history, and the time to read any revision.

A realistic article (the diff benchmark's prose) gets 200 typical edits saved through
``editorial.articles.services.save``, as the API would. Bytes stored for the body (the ``body``
and ``body_delta`` columns, UTF-8) are compared with 200 full copies, which is what Wagtail and
WordPress store. Reading a random revision with ``body_of`` is compared with reading the head's
``body`` column (a full copy) from the same database, each in its own read transaction, the two
interleaved so they share whatever else the machine is doing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from sqlalchemy import func, select

from bench import seed
from bench.diffs import Writer, _timing
from bench.harness import backend, database, scratch_database
from bench.suites import Line, Options
from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate
from editorial.db.models import Revision
from editorial.lib.clock import SystemClock
from editorial.revisions.storage import body_of

REVISIONS = 200
WORDS = 1_500
"""A long news story or a short feature."""


def _history(url: str) -> tuple[int, list[str]]:
    """One article with ``REVISIONS`` revisions, each a typical edit of the one before; returns its bodies."""
    db = database(url)
    people = seed.create_people(db)
    writer = people["writer"]
    author = Writer(seed=2026)
    bodies = [author.article(WORDS)]
    for _ in range(REVISIONS - 1):
        bodies.append(author.typical_edit(bodies[-1]))
    clock = SystemClock()
    with db.transaction() as session:
        data = ArticleCreate(desk="news", title="Council extends the harbour ferry service", body=bodies[0])
        article_id = articles.create(session, writer.principal, data, now=clock.now()).id
    for number, body in enumerate(bodies[1:], start=1):
        with db.transaction() as session:  # one save, one transaction: as PUT /api/v1/articles/{id} does
            articles.save(
                session,
                writer.principal,
                article_id,
                {"body": body},
                if_match=articles.etag(number),
                message=f"edit {number}",
                now=clock.now(),
            )
    db.dispose()
    return article_id, bodies


def _stored_bytes(url: str, article_id: int) -> tuple[int, int, int]:
    """UTF-8 bytes in the body and body_delta columns, and how many revisions are snapshots."""
    db = database(url)
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Revision.body, Revision.body_delta).where(Revision.article_id == article_id)
        ).all()
        count = session.scalar(select(func.count()).select_from(Revision).where(Revision.article_id == article_id))
    db.dispose()
    stored = sum(len((body or "").encode()) + len((delta or "").encode()) for body, delta in rows)
    return stored, sum(body is not None for body, _ in rows), int(count or 0)


def _reads(url: str, article_id: int, bodies: list[str], reads: int, seed_: int) -> tuple[list[float], list[float]]:
    """Times of ``body_of`` for random revisions and of reading the head's body column, interleaved."""
    db = database(url)
    rng = random.Random(seed_)

    def any_revision(number: int) -> Callable[[], str]:
        def read() -> str:
            with db.transaction(write=False) as session:
                return body_of(session, article_id, number)

        return read

    def full_copy() -> str | None:
        with db.transaction(write=False) as session:
            return session.scalar(
                select(Revision.body).where(Revision.article_id == article_id, Revision.number == REVISIONS)
            )

    for number in range(1, REVISIONS + 1):  # warm-up, and every revision checked exact once
        assert any_revision(number)() == bodies[number - 1], f"revision {number} does not rebuild exactly"
        full_copy()
    ours, peer = [], []
    for _ in range(reads):
        read = any_revision(rng.randint(1, REVISIONS))
        started = time.perf_counter()
        read()
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        full_copy()
        peer.append(time.perf_counter() - started)
    db.dispose()
    return ours, peer


def storage(options: Options) -> list[Line]:
    """Issue 4: bytes for a 200-revision history against full copies; reading any revision against a full copy."""
    reads = 500 if options.quick else 3_000
    with scratch_database(options.database_url) as url:
        article_id, bodies = _history(url)
        stored, snapshots, count = _stored_bytes(url, article_id)
        assert count == REVISIONS
        full = sum(len(body.encode()) for body in bodies)
        ours_runs, peer_runs = [], []
        for round_ in range(options.rounds):
            ours, peer = _reads(url, article_id, bodies, reads, seed_=round_)
            ours_runs.append(ours)
            peer_runs.append(peer)
    ratio = stored / full
    peers = [_timing("head body column (full copy)", p) for p in peer_runs]
    results = [_timing("body_of(any revision)", o) for o in ours_runs]
    p50 = [r.p50_ms / p.p50_ms for r, p in zip(results, peers, strict=True)]
    p99 = [r.p99_ms / p.p99_ms for r, p in zip(results, peers, strict=True)]
    return [
        Line(
            f"body bytes, {REVISIONS} revisions of ~{WORDS:,} words",
            [_timing("bytes", [0.0])],
            target="<= 0.05x full copies",
            met=ratio <= 0.05,
            note=f"{stored:,} bytes stored vs {full:,} for {REVISIONS} full copies = {ratio:.4f}x; "
            f"{snapshots} snapshots (head included), {REVISIONS - snapshots} deltas; {backend(url)}",
        ),
        Line("read the head's body column (peer)", peers, peers),
        Line(
            "read any revision: body_of",
            results,
            peers,
            target="p50, p99 <= 2x full copy",
            met=max(p50 + p99) <= 2,
            note="p50 ratio "
            + ", ".join(f"{r:.2f}x" for r in p50)
            + "; p99 ratio "
            + ", ".join(f"{r:.2f}x" for r in p99),
        ),
    ]


def _ratios(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}x" for value in values)
