"""Issue 6, publishing automation: events delivered per second to a local receiver, and commit-to-delivery delay.

One run, one scratch database, one ``editorial serve`` on core 0 (its in-process delivery worker
off), a receiver on loopback in this process (asyncio and httptools, 204 to everything, recording
each ``webhook-id`` and when it arrived):

1. **The peer**: workflow transitions per second through the API, no subscription, as the
   ``transitions`` benchmark measures them (wrk, ``transitions.lua``, fresh drafts).
2. **Live**: a webhook for every event type, ``editorial worker`` processes (one; and two on
   PostgreSQL) running, and the same transition load at full speed. Every event the run wrote must
   reach the receiver; the figure is events delivered per second from the start of the load to the
   last arrival, and the delay of each event from ``occurred_at`` (the clock of the request that
   wrote it, a little before its commit) and from when the bench first saw it committed (a reader
   polling every 5 ms) to its arrival.
3. **Backlog**: N pending deliveries written in one transaction through the outbox with no worker
   running; then the workers start and the drain rate is deliveries / (last arrival - first arrival).

The target (issue 6) is that the worker keeps up with 10x the transition rate: the drain rate is
that capacity, as a ratio to the transitions of step 1. "per CPU-s" compares deliveries per second
of the workers' CPU time with transitions per second of the server's.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from contextlib import ExitStack

import httptools
from sqlalchemy import func, select

from bench import seed
from bench.harness import Server, backend, cpu_seconds, database, free_port, scratch_database, stop_processes
from bench.load import Result, _percentile
from bench.suites import Line, Options
from bench.workloads import Transitions, Workload
from editorial.db import Database
from editorial.db.models import Event, EventSequence, WebhookDelivery
from editorial.events import outbox
from editorial.lib.clock import SystemClock
from editorial.webhooks.schemas import WebhookCreate
from editorial.webhooks.services import PENDING, create_webhook

WATCH_SECONDS = 0.005
DRAIN_TIMEOUT = 300.0
WORKER_ENV = {"EDITORIAL_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "EDITORIAL_LOG_LEVEL": "WARNING"}


class _Hook(asyncio.Protocol):
    """One keep-alive connection from a worker: every request answered 204, its id and arrival recorded."""

    def __init__(self, arrivals: list[tuple[str, float]]) -> None:
        self.arrivals = arrivals
        self.parser = httptools.HttpRequestParser(self)
        self.message_id = ""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"webhook-id":
            self.message_id = value.decode()

    def on_message_complete(self) -> None:
        self.arrivals.append((self.message_id, time.time()))
        self.message_id = ""
        assert self.transport is not None
        self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")


class Receiver:
    """The webhook target: an asyncio server on its own thread, on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[tuple[str, float]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, name="receiver", daemon=True)
        self.ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Hook(self.arrivals), "127.0.0.1", self.port, backlog=256)
        )
        self.ready.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    def __enter__(self) -> Receiver:
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def since(self, first_seq: int) -> list[tuple[int, float]]:
        """(seq, arrival) of every request for an event after ``first_seq``, duplicates included."""
        return [(seq, at) for mid, at in list(self.arrivals) if (seq := int(mid.removeprefix("evt_"))) > first_seq]


class Watcher(threading.Thread):
    """Records when each event first became visible to a reader (committed), every 5 ms."""

    def __init__(self, db: Database, after: int) -> None:
        super().__init__(name="event-watcher", daemon=True)
        self.db, self.after = db, after
        self.seen: dict[int, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        last = self.after
        with self.db.engine.connect() as conn:
            while not self.stopped.wait(WATCH_SECONDS):
                seqs = conn.execute(select(Event.seq).where(Event.seq > last)).scalars().all()
                conn.rollback()
                at = time.time()
                for seq in seqs:
                    self.seen.setdefault(seq, at)
                last = max(seqs, default=last)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def worker_processes(url: str, count: int) -> list[subprocess.Popen[bytes]]:
    """``editorial worker`` processes (not pinned: they share both cores with the server and the database)."""
    env = {**os.environ, **WORKER_ENV, "EDITORIAL_DATABASE_URL": url}
    argv = [sys.executable, "-m", "editorial", "worker"]
    processes = [
        subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(count)
    ]
    for process in processes:  # a child inherits the bench's pinning to the load core: undo it
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(process.pid, range(os.cpu_count() or 1))
    return processes


def _cpu(processes: Sequence[subprocess.Popen[bytes]]) -> float:
    return sum(cpu_seconds(p.pid) or 0.0 for p in processes)


def last_seq(db: Database) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(select(EventSequence.value).where(EventSequence.id == 1)) or 0)


def pending(db: Database) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).where(WebhookDelivery.status == PENDING)) or 0)


def wait_drained(db: Database, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if pending(db) == 0:
            return True
        time.sleep(0.05)
    return False


def occurred(db: Database, after: int) -> dict[int, float]:
    """seq -> occurred_at (epoch seconds) of every event after ``after``."""
    with db.transaction(write=False) as session:
        rows = session.execute(select(Event.seq, Event.occurred_at).where(Event.seq > after)).all()
    return {int(seq): at.timestamp() for seq, at in rows}


def subscribe(db: Database, url: str) -> None:
    with db.transaction() as session:
        create_webhook(
            session, WebhookCreate(url=url, description="bench"), now=SystemClock().now(), allow_private=True
        )


def _delays(arrivals: list[tuple[int, float]], since: dict[int, float]) -> list[float]:
    """Seconds from ``since`` to the first arrival of each event."""
    first: dict[int, float] = {}
    for seq, at in arrivals:
        first[seq] = min(at, first.get(seq, at))
    return sorted(at - since[seq] for seq, at in first.items() if seq in since)


def live(
    options: Options, db: Database, url: str, server: Server, receiver: Receiver, flow: Workload, workers: int
) -> Result:
    """Transitions at full speed while ``workers`` processes deliver; every event of the run must arrive."""
    processes = worker_processes(url, workers)  # none: serve's in-process worker delivers
    time.sleep(2.0)  # the workers import and connect
    before = last_seq(db)
    watcher = Watcher(db, before)
    watcher.start()
    cpu_before = _cpu(processes)
    started = time.time()
    transitions = flow.run(server, duration=options.duration, connections=options.connections)
    time.sleep(0.5)  # wrk leaves up to one request per connection in the server
    drained = wait_drained(db, time.monotonic() + DRAIN_TIMEOUT)
    cpu_after = _cpu(processes)
    watcher.stop()
    problems = stop_processes(processes)
    assert not problems, problems[0]
    events = occurred(db, before)
    arrivals = receiver.since(before)
    unique = {seq for seq, _ in arrivals}
    finished = max((at for _, at in arrivals), default=started)
    seconds = finished - started
    delays = _delays(arrivals, events)
    seen = _delays(arrivals, watcher.seen)
    return Result(
        name=f"live, {workers or 'in-serve'} worker(s)",
        ok=len(unique & events.keys()),
        errors=len(events.keys() - unique),
        seconds=seconds,
        p50_ms=1000 * _percentile(delays, 50),
        p99_ms=1000 * _percentile(delays, 99),
        generator="editorial worker",
        server_cpu=(cpu_after - cpu_before) / seconds if seconds and processes else None,
        counters={
            "events": len(events),
            "transitions": transitions.ok,
            "duplicates": len(arrivals) - len(unique),
            "drained": int(drained),
            "tail_ms": round(1000 * (finished - started - transitions.seconds)),
            "max_ms": round(1000 * max(delays, default=0)),
            "seen_p50_ms": round(1000 * _percentile(seen, 50), 1),
            "seen_p99_ms": round(1000 * _percentile(seen, 99), 1),
            "load_seconds_x1000": round(1000 * transitions.seconds),
        },
    )


def write_backlog(db: Database, count: int, actor: seed.Person, article_ids: Sequence[int]) -> None:
    """``count`` events in one transaction through the outbox (so one pending delivery each), spread over articles."""
    now = SystemClock().now()
    with db.transaction() as session:
        for n in range(count):
            article_id = article_ids[n % len(article_ids)]
            outbox.emit(
                session,
                "article.transitioned",
                article_id,
                actor.principal,
                now,
                transition="submit",
                from_state="draft",
                to_state="editing",
                revision=1,
            )


def backlog(
    options: Options, db: Database, url: str, receiver: Receiver, people: dict[str, seed.Person], workers: int
) -> Result:
    """N pending deliveries at once, then ``workers`` processes drain them."""
    count = 3_000 if options.quick else 10_000
    before = last_seq(db)
    with db.transaction(write=False) as session:
        article_ids = list(session.scalars(select(Event.article_id).distinct().limit(count // 4)))
    write_backlog(db, count, people["writer"], article_ids or [1])
    assert pending(db) == count, f"expected {count} pending deliveries, found {pending(db)}"
    started = time.time()
    processes = worker_processes(url, workers)
    drained = wait_drained(db, time.monotonic() + DRAIN_TIMEOUT)
    cpu = _cpu(processes)
    problems = stop_processes(processes)
    assert not problems, problems[0]
    arrivals = receiver.since(before)
    unique = {seq for seq, _ in arrivals}
    times = sorted(at for _, at in arrivals)
    seconds = times[-1] - times[0] if len(times) > 1 else 0.0
    return Result(
        name=f"backlog, {workers} worker(s)",
        ok=len(unique),
        errors=count - len(unique),
        seconds=seconds,
        p50_ms=0.0,
        p99_ms=0.0,
        generator="editorial worker",
        server_cpu=cpu / seconds if seconds else None,
        counters={
            "count": count,
            "duplicates": len(arrivals) - len(unique),
            "drained": int(drained),
            "startup_ms": round(1000 * (times[0] - started)) if times else 0,
        },
    )


def serve(url: str, *, in_process: bool = False) -> Server:
    """``editorial serve`` as the other benchmarks run it, its in-process delivery worker off unless asked."""
    env = {
        **WORKER_ENV,
        "EDITORIAL_DATABASE_URL": url,
        "EDITORIAL_ACCESS_LOG": "false",
        "EDITORIAL_LOG_LEVEL": "WARNING",
        "EDITORIAL_DEMO_DATA": "false",
        "EDITORIAL_WEBHOOK_WORKER_IN_PROCESS": "true" if in_process else "false",
    }
    return Server([sys.executable, "-m", "editorial", "serve", "--port", "{port}", "--no-demo"], env=env)


def webhooks(options: Options) -> list[Line]:
    """Issue 6: delivery rate and delay against the transition rate of the same run."""
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(options.database_url))
        db = database(url)
        counts = (1, 2) if backend(url) == "postgresql" else (1,)
        people = seed.create_people(db)
        per_run = int(options.duration * 600) + 4 * options.connections
        ids = seed.bulk_articles(
            db,
            people,
            per_run * options.rounds * (2 + len(counts)),
            words=1200,
            states={"draft": 1.0},
            desks=(("news", 1.0),),
            authors=("writer",),
        )
        seed.analyze(db)
        receiver = stack.enter_context(Receiver())
        server = stack.enter_context(serve(url))
        health = Workload("GET /health/live", "/health/live")
        flow = Transitions(
            "POST /api/v1/articles/{id}/workflow/{t}",
            "/api/v1/articles",
            tokens=tuple(people[u].token for u in ("writer", "news_editor", "checker", "publisher")),  # type: ignore[arg-type]
            fresh=deque(ids),
        )
        health.run(server, duration=min(2.0, options.duration), connections=options.connections)
        peers, rates = [], []
        for _ in range(options.rounds):
            peers.append(health.run(server, duration=options.duration, connections=options.connections))
            rates.append(flow.run(server, duration=options.duration, connections=options.connections))
        subscribe(db, receiver.url)
        lives = {n: [live(options, db, url, server, receiver, flow, n) for _ in range(options.rounds)] for n in counts}
        server.stop()
        if backend(url) == "sqlite":  # serve's default on SQLite: the worker in the server, woken by each commit
            with serve(url, in_process=True) as in_serve:
                lives[0] = [live(options, db, url, in_serve, receiver, flow, 0) for _ in range(options.rounds)]
        drains = {n: [backlog(options, db, url, receiver, people, n) for _ in range(options.rounds)] for n in counts}
        db.dispose()
    return _lines(peers, rates, lives, drains)


def _lines(
    peers: list[Result], rates: list[Result], lives: dict[int, list[Result]], drains: dict[int, list[Result]]
) -> list[Line]:
    lines = [
        Line("GET /health/live", peers, peers),
        Line("workflow transitions, no webhook (peer)", rates, peers, note=_events_note(lives)),
    ]
    for workers, results in lives.items():
        missing = sum(r.errors for r in results)
        dups = sum(r.counters["duplicates"] for r in results)
        drained = all(r.counters["drained"] for r in results)
        label = "worker in serve" if workers == 0 else f"{workers} editorial worker" + "s" * (workers > 1)
        lines.append(
            Line(
                f"events delivered live, {label}",
                results,
                rates,
                target="all, delay p99 <= 1 s",
                met=drained and not missing and max(r.p99_ms for r in results) <= 1000,
                note=f"{missing} missing, {dups} duplicates; p50/p99 ms from occurred_at, from seen committed "
                + ", ".join(f"{r.counters['seen_p50_ms']}/{r.counters['seen_p99_ms']}" for r in results)
                + "; max "
                + ", ".join(f"{r.counters['max_ms']}" for r in results)
                + " ms; last arrival after the load "
                + ", ".join(f"{r.counters['tail_ms']}" for r in results)
                + " ms; transitions during "
                + ", ".join(
                    f"{1000 * r.counters['transitions'] / r.counters['load_seconds_x1000']:.0f}/s" for r in results
                ),
            )
        )
    for workers, results in drains.items():
        label = f"{workers} editorial worker" + "s" * (workers > 1)
        line = Line(f"backlog of {results[0].counters['count']:,}, {label}", results, rates, ">= 10x")
        line.met = bool(line.ratios) and statistics.mean(line.ratios) >= 10 and not sum(r.errors for r in results)
        line.note = (
            f"{sum(r.errors for r in results)} missing, {sum(r.counters['duplicates'] for r in results)} duplicates; "
            "first arrival after start " + ", ".join(f"{r.counters['startup_ms']} ms" for r in results)
        )
        lines.append(line)
    return lines


def _events_note(lives: dict[int, list[Result]]) -> str:
    counted = Counter[str]()
    for results in lives.values():
        for r in results:
            counted["events"] += r.counters["events"]
            counted["transitions"] += r.counters["transitions"]
    if not counted["transitions"]:
        return ""
    return f"{counted['events'] / counted['transitions']:.2f} events per transition"
