"""Issue 4, compact revision storage: bytes for a 200-revision history, and the time to read any revision.

A realistic article (the diff benchmark's prose) gets 200 typical edits saved through
``editorial.articles.services.save``, as the API would. Bytes stored for the body (the ``body``
column's UTF-8 and the ``body_packed`` column's bytes) are compared with 200 full copies, which is
what Wagtail and WordPress store. Reading a random revision with ``body_of`` is compared with
reading the head's ``body`` column (a full copy) from the same database, each in its own read
transaction, interleaved so they share whatever else the machine is doing. There are two full-copy
peers: the plain ORM query this bench has always used, and the same read done the way ``body_of``
reads (a prebuilt statement on the session's connection), so that the ratio to the second one is
the cost of the storage format alone; the target is held to the stricter of the two.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from sqlalchemy import bindparam, func, select

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
    """Bytes in the body (UTF-8) and body_packed columns, and how many revisions are snapshots (head included)."""
    db = database(url)
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Revision.body, Revision.body_base, Revision.body_packed).where(Revision.article_id == article_id)
        ).all()
        count = session.scalar(select(func.count()).select_from(Revision).where(Revision.article_id == article_id))
    db.dispose()
    stored = sum(len((body or "").encode()) + len(packed or b"") for body, _, packed in rows)
    return stored, sum(base is None for _, base, _ in rows), int(count or 0)


_FULL_COPY = select(Revision.body).where(Revision.article_id == bindparam("article"), Revision.number == bindparam("n"))


def _reads(
    url: str, article_id: int, bodies: list[str], reads: int, seed_: int
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Times of ``body_of`` for random revisions (with and without its cache of decoded bases) and of the two
    full-copy reads of the head, interleaved."""
    db = database(url)
    rng = random.Random(seed_)

    def any_revision(number: int, cached: bool = True) -> Callable[[], str]:
        def read() -> str:
            with db.transaction(write=False) as session:
                return body_of(session, article_id, number, cached=cached)

        return read

    def full_copy() -> str | None:
        with db.transaction(write=False) as session:
            return session.scalar(
                select(Revision.body).where(Revision.article_id == article_id, Revision.number == REVISIONS)
            )

    def full_copy_as_body_of_reads() -> str | None:
        with db.transaction(write=False) as session:
            return session.connection().execute(_FULL_COPY, {"article": article_id, "n": REVISIONS}).scalar()

    for number in range(1, REVISIONS + 1):  # warm-up, and every revision checked exact once
        assert any_revision(number, cached=False)() == bodies[number - 1], f"revision {number} is not exact"
        assert any_revision(number)() == bodies[number - 1], f"revision {number} is not exact from the cache"
        assert full_copy() == full_copy_as_body_of_reads() == bodies[-1]
    ours: list[float] = []
    uncached: list[float] = []
    peer: list[float] = []
    strict: list[float] = []
    for _ in range(reads):
        number = rng.randint(1, REVISIONS)
        for read, times in ((any_revision(number), ours), (any_revision(number, cached=False), uncached)):
            started = time.perf_counter()
            read()
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        full_copy()
        peer.append(time.perf_counter() - started)
        started = time.perf_counter()
        full_copy_as_body_of_reads()
        strict.append(time.perf_counter() - started)
    db.dispose()
    return ours, uncached, peer, strict


def storage(options: Options) -> list[Line]:
    """Issue 4: bytes for a 200-revision history against full copies; reading any revision against a full copy."""
    reads = 500 if options.quick else 3_000
    with scratch_database(options.database_url) as url:
        article_id, bodies = _history(url)
        stored, snapshots, count = _stored_bytes(url, article_id)
        assert count == REVISIONS
        full = sum(len(body.encode()) for body in bodies)
        runs = [_reads(url, article_id, bodies, reads, seed_=round_) for round_ in range(options.rounds)]
    ratio = stored / full
    results = [_timing("body_of(any revision)", run[0]) for run in runs]
    uncached = [_timing("body_of(any revision, cached=False)", run[1]) for run in runs]
    peers = [_timing("head body column, ORM query (full copy)", run[2]) for run in runs]
    stricts = [_timing("head body column, as body_of reads (full copy)", run[3]) for run in runs]
    cold_p50 = [r.p50_ms / p.p50_ms for r, p in zip(uncached, stricts, strict=True)]
    cold_p99 = [r.p99_ms / p.p99_ms for r, p in zip(uncached, stricts, strict=True)]
    ratios = {
        name: (
            [r.p50_ms / p.p50_ms for r, p in zip(results, against, strict=True)],
            [r.p99_ms / p.p99_ms for r, p in zip(results, against, strict=True)],
        )
        for name, against in (("ORM query", peers), ("as body_of reads", stricts))
    }
    worst = max(max(p50 + p99) for p50, p99 in ratios.values())
    return [
        Line(
            f"body bytes, {REVISIONS} revisions of ~{WORDS:,} words",
            [_timing("bytes", [0.0])],
            target="<= 0.05x full copies",
            met=ratio <= 0.05,
            note=f"{stored:,} bytes stored vs {full:,} for {REVISIONS} full copies = {ratio:.4f}x; "
            f"{snapshots} snapshots (head included), {REVISIONS - snapshots} deltas; {backend(url)}",
        ),
        Line("read the head's body column, ORM query (peer)", peers, peers),
        Line("read the head's body column as body_of reads (strict peer)", stricts, stricts),
        Line(
            "read any revision: body_of",
            results,
            stricts,
            target="p50, p99 <= 2x full copy (both peers)",
            met=worst <= 2,
            note="; ".join(f"vs {name}: p50 {_ratios(p50)}, p99 {_ratios(p99)}" for name, (p50, p99) in ratios.items()),
        ),
        Line(
            "read any revision: body_of without its cache of bases",
            uncached,
            stricts,
            note=f"vs as body_of reads: p50 {_ratios(cold_p50)}, p99 {_ratios(cold_p99)}",
        ),
    ]


def _ratios(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}x" for value in values)
