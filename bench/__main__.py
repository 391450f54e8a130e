"""``python -m bench``: run the benchmarks and print each figure as a ratio to the trivial endpoint."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import access_mode, diffs, load, production, report, scheduling, storage, suites, webhooks
from bench.harness import backend, pin_self_to_load_core, postgres_problem

BENCHMARKS = {
    "http": suites.http,
    "transitions": suites.transitions,
    "worklist": suites.worklist,
    "floor": suites.floor,
    "diffs": diffs.diffs,
    "storage": storage.storage,
    "scheduling": scheduling.scheduling,
    "webhooks": webhooks.webhooks,
}
ALL = [*BENCHMARKS, "access-mode"]
SQLITE_ONLY = {"floor"}
"""Benchmarks that talk to SQLite themselves, skipped with ``--database-url``."""


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Start the app under uvicorn on core 0, load it from core 1, and report requests/s and "
        "p50/p99 latency as ratios to GET /health/live measured in the same run.",
    )
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help=f"any of {', '.join(ALL)} (default: all); or production (its own --help)",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server to create a scratch database on (default: SQLite)")
    parser.add_argument("--quick", action="store_true", help="short runs, one round, 10,000 articles for the worklist")
    parser.add_argument("--duration", type=float, help="seconds per measurement (default 10, quick 3)")
    parser.add_argument("--rounds", type=int, help="measurements of each figure (default 2, quick 1)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    unknown = [b for b in args.benchmarks if b not in ALL]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(ALL)}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["production"]:  # its own options: processes, faults, the audit (bench/production.py)
        return production.main(argv[1:])
    args = parse(argv)
    chosen = args.benchmarks or ALL
    options = suites.Options(
        database_url=args.database_url,
        duration=args.duration or (3.0 if args.quick else 10.0),
        rounds=args.rounds or (1 if args.quick else 2),
        connections=args.connections,
        quick=args.quick,
        worklist_sizes=(1_000, 10_000) if args.quick else (1_000, 100_000),
    )
    if args.database_url and (problem := postgres_problem(args.database_url)):
        print(f"PostgreSQL at {args.database_url} does not answer: {problem}", file=sys.stderr)
        return 2
    if not load.have_wrk():
        print(f"warning: {load.WRK_MISSING}", file=sys.stderr)
    pin_self_to_load_core()
    name = backend(args.database_url or "sqlite")
    info = report.context(name)
    print(" | ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    output: dict[str, object] = {"context": info}
    for benchmark in chosen:
        if benchmark in SQLITE_ONLY and args.database_url:
            print(f"\n{benchmark}: SQLite only, skipped", flush=True)
            continue
        lines = access_mode.measure(options) if benchmark == "access-mode" else BENCHMARKS[benchmark](options)
        print("\n" + report.table(f"{benchmark} ({name})", lines), flush=True)
        output[benchmark] = [line.as_dict() for line in lines]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(output, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
