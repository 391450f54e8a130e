"""``python -m bench production``: the production shape on this machine, under a newsroom load, with faults.

A private PostgreSQL cluster (bench/production_cluster.py), N ``editorial serve`` processes on
their own ports, M ``editorial scheduler`` and M ``editorial worker`` processes, two webhook
receivers on loopback (one subscription to every event, one to ``article.published``), and the
mixed load of bench/production_load.py spread over the API processes. Faults, at fixed fractions
of the run: kill -9 a scheduler, a worker and an API process (each started again at once, as a
supervisor would), and ``pg_ctl restart -m fast``. Then the schedulers and workers are given time
to finish (every due article published, every delivery sent) and the audit
(bench/production_audit.py) checks the invariants. ``--compare`` measures the load without faults
with 1 and with 2 API processes, alternating, and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select

from bench.production_audit import Audit, HistoryRow, history_snapshot, run_audit
from bench.production_cluster import PrivateCluster
from bench.production_fleet import Fleet
from bench.production_load import NewsroomLoad, Records, Tokens
from bench.production_report import report, summary
from bench.report import context
from bench.webhooks import Receiver
from editorial.auth import services as auth
from editorial.auth.schemas import RoleRef
from editorial.db import Database
from editorial.db.migrate import upgrade
from editorial.db.models import Article, WebhookDelivery
from editorial.db.models.articles import SCHEDULED
from editorial.settings import Settings
from editorial.webhooks.schemas import WebhookCreate
from editorial.webhooks.services import PENDING, create_webhook

PEOPLE = {
    "writer1": ["writer:news"],
    "writer2": ["writer:news"],
    "writer3": ["writer:news"],
    "writer4": ["writer:news"],
    "editor": ["editor:news"],
    "checker": ["fact_checker:news"],
    "robot": ["automation"],
}


@dataclass
class RunOptions:
    api: int = 2
    schedulers: int = 2
    workers: int = 2
    users: int = 8
    duration: float = 30.0
    faults: bool = True
    drain_timeout: float = 90.0
    keep: bool = False
    keep_logs: bool = False


@dataclass
class RunResult:
    options: RunOptions
    records: Records
    audit: Audit
    drained: bool
    drain_seconds: float
    timeline: list[str]
    logs: Path
    tracebacks: dict[str, int]
    load: str
    cpu: dict[str, float]
    """Cores busy during the load, by kind of process (CPU seconds / load seconds)."""
    exit_codes: dict[str, list[int]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.audit.passed and self.drained and not self.records.unexpected_5xx


def seed(db: Database, hooks: dict[str, str]) -> tuple[Tokens, dict[str, int]]:
    """The newsroom's people with a token each, and the webhook subscriptions (types -> URL; their ids)."""
    now = datetime.now(UTC)
    tokens, webhooks = {}, {}
    with db.transaction() as session:
        for username, roles in PEOPLE.items():
            refs = [RoleRef(role=r.partition(":")[0], desk=r.partition(":")[2] or None) for r in roles]
            user = auth.create_user(session, username=username, display_name=username, roles=refs, now=now)
            tokens[username] = auth.create_token(session, user, now=now, name="production bench")[1]
        for types, url in hooks.items():
            event_types = [] if types == "all" else [types]
            data = WebhookCreate(url=url, event_types=event_types)
            webhooks[types] = create_webhook(session, data, now=now, allow_private=True).id
    people = Tokens([tokens[f"writer{n}"] for n in range(1, 5)], tokens["editor"], tokens["checker"], tokens["robot"])
    return people, webhooks


def _create_database(cluster: PrivateCluster) -> str:
    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute('CREATE DATABASE "editorial"')
    url = cluster.url.rsplit("/", 1)[0] + "/editorial"
    upgrade(url)
    return url


def _outstanding(db: Database) -> tuple[int, int]:
    """(articles still scheduled, deliveries still pending)."""
    with db.transaction(write=False) as session:
        scheduled = session.scalar(select(func.count()).select_from(Article).where(SCHEDULED))
        pending = session.scalar(select(func.count()).where(WebhookDelivery.status == PENDING))
    return int(scheduled or 0), int(pending or 0)


def _drain(db: Database, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _outstanding(db) == (0, 0):
                return True
        except Exception as error:  # the harness's own reads may meet the restart too
            print(f"drain: {type(error).__name__}", file=sys.stderr)
        time.sleep(0.25)
    return False


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu(fleet: Fleet, cluster: PrivateCluster) -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        **fleet.cpu_seconds(),
        "PostgreSQL": cluster.cpu_seconds(),
        "load generator and receivers": own.ru_utime + own.ru_stime,
    }


def run(options: RunOptions, *, say: Callable[[str], None] = print) -> RunResult:
    """One run: bring everything up, load it (with faults unless told not to), drain, audit, tear down."""
    logs = Path(tempfile.mkdtemp(prefix="editorial-production-"))
    timeline: list[str] = []
    snapshot: list[HistoryRow] = []
    load_before = _load_average()
    with PrivateCluster(keep=options.keep) as cluster, Receiver() as every, Receiver() as published:
        url = _create_database(cluster)
        db = Database(Settings(database_url=url))
        tokens, webhooks = seed(db, {"all": every.url, "article.published": published.url})
        fleet = Fleet.build(url, logs, api=options.api, schedulers=options.schedulers, workers=options.workers)
        try:
            fleet.start()
            say(f"up: PostgreSQL on port {cluster.port}, {options.api} API, {options.schedulers} schedulers, "
                f"{options.workers} workers; logs in {logs}")  # fmt: skip
            load = NewsroomLoad(fleet.base_urls, tokens, users=options.users, duration=options.duration)
            thread = threading.Thread(target=load.run, name="load")
            cpu_before = _cpu(fleet, cluster)
            started = time.monotonic()
            thread.start()

            def at(fraction: float, what: str, action: Callable[[], Any]) -> None:
                time.sleep(max(0.0, started + fraction * options.duration - time.monotonic()))
                begun = time.monotonic()
                action()
                timeline.append(f"{begun - started:5.1f} s  {what} ({time.monotonic() - begun:.2f} s)")
                say(f"  {timeline[-1]}")

            def crash(process_index: int, group: str) -> Callable[[], None]:
                def act() -> None:
                    process = getattr(fleet, group)[process_index]
                    process.kill9()
                    process.start()  # not waited for: the balancer sends elsewhere until it answers

                return act

            # The restart comes first: a worker that loses its database between sending a batch and
            # recording it keeps the lease (3 x timeout + 30 s) and sends again after it, so the
            # drain waits for that; early in the run, it overlaps with the load.
            if options.faults:
                at(0.15, "PostgreSQL restarted (pg_ctl restart -m fast)", cluster.restart)
                at(0.30, "kill -9 scheduler-1, started again", crash(0, "schedulers"))
                at(0.40, "kill -9 worker-1, started again", crash(0, "workers"))
            at(0.50, "history snapshot", lambda: snapshot.extend(history_snapshot(db)))
            if options.faults:
                at(0.60, f"kill -9 api-{options.api}, started again", crash(options.api - 1, "api"))
            thread.join()
            cpu = {k: v - cpu_before[k] for k, v in _cpu(fleet, cluster).items()}
            drain_started = time.monotonic()
            drained = _drain(db, options.drain_timeout)
            drain_seconds = time.monotonic() - drain_started
            say(
                f"  load ended after {load.records.seconds:.1f} s; drained in {drain_seconds:.1f} s"
                + ("" if drained else f" (TIMED OUT; still scheduled, pending deliveries: {_outstanding(db)})")
            )
        finally:
            fleet.stop()
        received = {
            webhooks["all"]: {mid for mid, _ in every.arrivals},
            webhooks["article.published"]: {mid for mid, _ in published.arrivals},
        }
        audit = run_audit(db, load.records, received, snapshot)
        db.dispose()
    result = RunResult(
        options,
        load.records,
        audit,
        drained,
        drain_seconds,
        timeline,
        logs,
        {p.name: p.tracebacks() for p in fleet.everyone},
        f"{load_before} -> {_load_average()}",
        {kind: seconds / load.records.seconds for kind, seconds in cpu.items()},
        {p.name: p.exit_codes for p in fleet.everyone},
    )
    if result.passed and not (options.keep or options.keep_logs):
        shutil.rmtree(logs, ignore_errors=True)
    return result


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench production", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--users", type=int, default=8, help="virtual users (default 8)")
    parser.add_argument("--api", type=int, default=2, help="API processes (default 2)")
    parser.add_argument("--no-faults", action="store_true", help="no kills, no PostgreSQL restart")
    parser.add_argument("--compare", action="store_true", help="1 vs 2 API processes, no faults, --rounds each")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of --compare (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory and the process logs")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    print(" | ".join(f"{k} {v}" for k, v in context("postgresql, private cluster").items()), flush=True)
    say = lambda line: print(line, flush=True)  # noqa: E731
    if not args.compare:
        result = run(RunOptions(api=args.api, users=args.users, duration=args.duration, faults=not args.no_faults,
                                keep=args.keep), say=say)  # fmt: skip
        print(report(result), flush=True)
        if args.json:
            args.json.write_text(json.dumps(summary(result), indent=2))
        return 0 if result.passed else 1
    results: dict[int, list[RunResult]] = {1: [], 2: []}
    for round_ in range(args.rounds):
        for api in (1, 2):
            say(f"\nround {round_ + 1}, {api} API process{'es' if api > 1 else ''}")
            result = run(RunOptions(api=api, users=args.users, duration=args.duration, faults=False), say=say)
            print(report(result), flush=True)
            results[api].append(result)
    rates = {api: [r.records.count(2) / r.records.seconds for r in runs] for api, runs in results.items()}
    ratios = [two / one for one, two in zip(rates[1], rates[2], strict=True) if one]
    print(f"\n2xx per second: 1 API {[round(x, 1) for x in rates[1]]}, 2 API {[round(x, 1) for x in rates[2]]}; "
          f"2/1 per round {[round(x, 2) for x in ratios]}, mean {statistics.mean(ratios):.2f}x")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({api: [summary(r) for r in runs] for api, runs in results.items()}, indent=2))
    passed = all(r.passed for runs in results.values() for r in runs)
    return 0 if passed else 1
