"""Issue 5, scheduled publication: lateness against a 5-second poller, and a 5,000-article burst.

Lateness: 1,000 scheduled articles due at spread-out times a few seconds ahead, seeded twice with
the same times into two scratch databases. One ``editorial scheduler`` process (real clock) runs
against the first; the peer, a loop that calls ``fire_due`` and sleeps 5 seconds (the usual
job-queue default), against the second, at the same time. Lateness is ``published_at -
publish_at`` of each article; the bench also watches both databases every 20 ms and records when
each publication became visible (committed), which is what readers see.

Burst (PostgreSQL): 5,000 articles all due at the same instant, two ``editorial scheduler``
processes: every article published, no article published twice (history rows per article), and
the lateness of the burst.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bench.diffs import Writer, _percentile
from bench.harness import (
    DEFAULT_POSTGRES_URL,
    LOAD_CORE,
    SERVER_CORE,
    backend,
    can_pin,
    database,
    postgres_problem,
    scratch_database,
    stop_processes,
)
from bench.load import Result
from bench.suites import Line, Options
from editorial.db import Database
from editorial.db.models import Article, ArticleAuthor, HistoryEntry, Revision, ScheduleFiring, User
from editorial.lib.clock import SystemClock
from editorial.revisions.services import content_hash

POLL_SECONDS = 5.0
WATCH_SECONDS = 0.02


def seed_scheduled(db: Database, due: Sequence[datetime], *, words: int = 800) -> list[int]:
    """Signed-off articles in ``scheduled``, one per due time, inserted in bulk (as the process tests do)."""
    now = datetime.now(UTC)
    body = Writer(seed=5).article(words)
    content = {"title": "Scheduled", "dek": "", "body": body, "tags": ["bench"], "authors": ["sched-writer"]}
    digest = content_hash(content)
    with db.transaction() as session:
        user_id = session.execute(
            insert(User).returning(User.id),
            {"username": "sched-writer", "display_name": "W", "is_active": True, "created_at": now},
        ).scalar_one()
        ids: list[int] = []
        for start in range(0, len(due), 1000):
            rows = [
                {
                    "slug": f"scheduled-{n}",
                    "desk_id": "opinion",
                    "state": "scheduled",
                    "head_revision": 1,
                    "signed_revision": 1,
                    "publish_at": at,
                    "schedule_attempts": 0,
                    "state_changed_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "created_by_id": user_id,
                }
                for n, at in enumerate(due[start : start + 1000], start=start)
            ]
            ids += session.execute(insert(Article).returning(Article.id), rows).scalars().all()
        revisions = [
            {
                "article_id": article_id,
                "number": 1,
                "saved_by_id": user_id,
                "saved_at": now,
                "message": "",
                "content_hash": digest,
                **content,
            }
            for article_id in ids
        ]
        for start in range(0, len(ids), 1000):
            session.execute(insert(Revision), revisions[start : start + 1000])
        session.execute(insert(ArticleAuthor), [{"article_id": a, "user_id": user_id} for a in ids])
    return ids


def _pinned(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if can_pin() else []


def scheduler_process(url: str, core: int, *argv: str) -> subprocess.Popen[bytes]:
    """``editorial scheduler`` (or another command) against ``url``, pinned to ``core``."""
    env = {**os.environ, "EDITORIAL_DATABASE_URL": url, "EDITORIAL_LOG_LEVEL": "WARNING"}
    command = list(argv) or ["-m", "editorial", "scheduler"]
    return subprocess.Popen(
        [*_pinned(core), sys.executable, *command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


class Watcher(threading.Thread):
    """Records when each article is first seen published (committed) in each database."""

    def __init__(self, dbs: dict[str, Database]) -> None:
        super().__init__(name="watcher", daemon=True)
        self.dbs = dbs
        self.seen: dict[str, dict[int, datetime]] = {name: {} for name in dbs}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(WATCH_SECONDS):
            for name, db in self.dbs.items():
                with db.transaction(write=False) as session:
                    ids = session.scalars(select(Article.id).where(Article.state == "published")).all()
                at = datetime.now(UTC)
                seen = self.seen[name]
                for article_id in ids:
                    seen.setdefault(article_id, at)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def lateness_of(db: Database) -> tuple[dict[int, float], int]:
    """Seconds from publish_at to published_at of each published article; and how many are not published."""
    with db.transaction(write=False) as session:
        rows = session.execute(select(Article.id, Article.publish_at, Article.published_at, Article.state)).all()
    late = {i: (published - due).total_seconds() for i, due, published, state in rows if state == "published"}
    return late, sum(state != "published" for *_, state in rows)


def publishes_per_article(db: Database) -> dict[int, int]:
    with db.transaction(write=False) as session:
        return dict(
            session.execute(
                select(HistoryEntry.article_id, func.count())
                .where(HistoryEntry.transition == "publish")
                .group_by(HistoryEntry.article_id)
            ).all()
        )


def _figures(name: str, seconds: Sequence[float]) -> Result:
    """Lateness as a row: p50/p99 in the latency columns, firings per second of the window in req/s."""
    return Result(
        name=name,
        ok=len(seconds),
        errors=0,
        seconds=0.0,
        p50_ms=1000 * _percentile(seconds, 50),
        p99_ms=1000 * _percentile(seconds, 99),
        generator="scheduler",
        counters={"max_ms": round(1000 * max(seconds))},
    )


@contextmanager
def _databases(server_url: str | None, count: int) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(scratch_database(server_url)) for _ in range(count)]


def lateness(options: Options) -> list[Line]:
    """1,000 articles due over ``spread`` seconds: one scheduler process against a 5-second poller."""
    count, spread, lead = 1_000, 10.0 if options.quick else 25.0, 6.0
    lines: list[Line] = []
    ours_runs: list[list[float]] = []
    peer_runs: list[list[float]] = []
    seen_runs: list[list[float]] = []
    for round_ in range(options.rounds):
        with _databases(options.database_url, 2) as (ours_url, peer_url):
            ours_db, peer_db = database(ours_url), database(peer_url)
            rng = random.Random(round_)
            start = datetime.now(UTC) + timedelta(seconds=lead)
            offsets = sorted(rng.uniform(0, spread) for _ in range(count))
            due = [start + timedelta(seconds=s) for s in offsets]
            seed_scheduled(ours_db, due)
            seed_scheduled(peer_db, due)
            assert datetime.now(UTC) < start, "seeding took longer than the lead: raise it"
            watcher = Watcher({"ours": ours_db, "peer": peer_db})
            ours = scheduler_process(ours_url, SERVER_CORE)
            peer = scheduler_process(peer_url, LOAD_CORE, "-m", "bench.scheduling", "poll")
            watcher.start()
            deadline = time.monotonic() + lead + spread + 3 * POLL_SECONDS + 30
            while time.monotonic() < deadline and any(len(s) < count for s in watcher.seen.values()):
                time.sleep(0.2)
            watcher.stop()
            problems = stop_processes([ours, peer])
            assert not problems, problems[0]
            ours_late, ours_missing = lateness_of(ours_db)
            peer_late, peer_missing = lateness_of(peer_db)
            assert not ours_missing, f"{ours_missing} articles were never published by the scheduler"
            assert not peer_missing, f"{peer_missing} articles were never published by the poller"
            with ours_db.transaction(write=False) as session:
                due_of = dict(session.execute(select(Article.id, Article.publish_at)).all())
            seen = [(at - due_of[i]).total_seconds() for i, at in watcher.seen["ours"].items()]
            ours_runs.append(list(ours_late.values()))
            peer_runs.append(list(peer_late.values()))
            seen_runs.append(seen)
            ours_db.dispose()
            peer_db.dispose()
            name = backend(ours_url)
    peers = [_figures("5 s poller", r) for r in peer_runs]
    results = [_figures("editorial scheduler", r) for r in ours_runs]
    visible = [_figures("editorial scheduler, visible", r) for r in seen_runs]
    p99 = [r.p99_ms / 1000 for r in results]
    lines.append(
        Line(
            f"lateness, 5 s poller (peer), {count:,} due over {spread:g} s",
            peers,
            note="max " + ", ".join(f"{r.counters['max_ms'] / 1000:.2f} s" for r in peers),
        )
    )
    lines.append(
        Line(
            "lateness, editorial scheduler (published_at)",
            results,
            target="p99 <= 1 s",
            met=max(p99) <= 1.0,
            note=f"{name}; max "
            + ", ".join(f"{r.counters['max_ms'] / 1000:.3f} s" for r in results)
            + "; p99 vs poller's "
            + ", ".join(f"{r.p99_ms / p.p99_ms:.3f}x" for r, p in zip(results, peers, strict=True)),
        )
    )
    lines.append(
        Line(
            "lateness, editorial scheduler (seen committed)",
            visible,
            note=f"watched every {1000 * WATCH_SECONDS:.0f} ms; max "
            + ", ".join(f"{r.counters['max_ms'] / 1000:.3f} s" for r in visible),
        )
    )
    return lines


def burst(options: Options) -> list[Line]:
    """5,000 articles due at one instant, two scheduler processes on PostgreSQL."""
    server = options.database_url or DEFAULT_POSTGRES_URL
    if not server.startswith("postgres") or postgres_problem(server):
        return [Line("burst: needs PostgreSQL (--database-url)", [_figures("skipped", [0.0])], met=None)]
    count, lead = 5_000, 8.0
    lines = []
    for _ in range(options.rounds):
        with scratch_database(server) as url:
            db = database(url)
            at = datetime.now(UTC) + timedelta(seconds=lead)
            ids = seed_scheduled(db, [at] * count)
            assert datetime.now(UTC) < at, "seeding took longer than the lead: raise it"
            processes = [scheduler_process(url, core) for core in (SERVER_CORE, LOAD_CORE)]
            deadline = time.monotonic() + lead + 300
            while time.monotonic() < deadline:
                time.sleep(0.5)
                _, missing = lateness_of(db)
                if not missing:
                    break
            errors = stop_processes(processes)
            late, missing = lateness_of(db)
            counts = publishes_per_article(db)
            with db.transaction(write=False) as session:
                firings = session.execute(
                    select(ScheduleFiring.worker, func.count()).group_by(ScheduleFiring.worker)
                ).all()
            db.dispose()
        doubles = sum(n > 1 for n in counts.values())
        result = _figures("burst", list(late.values()) or [float("inf")])
        span = max(late.values()) if late else float("inf")
        ok = not missing and not doubles and len(counts) == len(ids) and result.p99_ms <= 10_000
        lines.append(
            Line(
                f"burst: {count:,} due at once, 2 scheduler processes",
                [result],
                target="all, 0 doubles, p99 <= 10 s",
                met=ok,
                note=f"{len(late):,} published, {missing} not, {doubles} published twice; last after {span:.2f} s"
                f" ({len(late) / span:.0f}/s); firings per process {sorted(n for _, n in firings)}"
                + "".join(f"; a process failed: {e}" for e in errors),
            )
        )
    return lines


def scheduling(options: Options) -> list[Line]:
    """Issue 5: lateness against a 5-second poller on the chosen database, then the burst on PostgreSQL."""
    return lateness(options) + burst(options)


def poll() -> None:
    """The peer: a fixed-interval poller, ``fire_due`` every 5 seconds (``python -m bench.scheduling poll``)."""
    from editorial.scheduling.services import fire_due
    from editorial.settings import get_settings

    db = Database(get_settings())
    clock = SystemClock()
    while True:
        fire_due(db, clock, worker="poller")
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    if sys.argv[1:2] == ["poll"]:
        poll()
    else:
        sys.exit("usage: python -m bench.scheduling poll (the bench starts it; run python -m bench scheduling)")
