"""bench.cpu tells the event loop's CPU from the worker threads', and bench.floor times whole transactions."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from bench import floor
from bench.cpu import cpu_per_call
from bench.harness import database


def _burn(seconds: float) -> None:
    started = time.thread_time()
    while time.thread_time() - started < seconds:
        pass


def test_cpu_in_a_worker_thread_is_not_counted_as_the_event_loops() -> None:
    async def in_a_worker_thread() -> dict[str, object]:
        await asyncio.to_thread(_burn, 0.005)
        return {}

    async def on_the_loop() -> dict[str, object]:
        _burn(0.005)
        return {}

    worker_total, worker_loop = asyncio.run(cpu_per_call(in_a_worker_thread, 5))
    loop_total, loop_loop = asyncio.run(cpu_per_call(on_the_loop, 5))
    assert worker_total >= 5000  # µs: each call burnt 5 ms somewhere in the process
    assert loop_total >= 5000
    assert worker_loop < worker_total / 2
    assert loop_loop > loop_total / 2


def test_transaction_costs_run_whole_write_transactions(tmp_path: Path) -> None:
    path = tmp_path / "costs.db"
    db = database(f"sqlite:///{path}")
    try:
        figures = floor.transaction_costs(db, 3)
    finally:
        db.dispose()
    assert [label for label, _, _ in figures] == ["an empty write transaction (ORM)", "an empty one (Core)"]
    assert all(through_sqlalchemy > 0 and driver > 0 for _, through_sqlalchemy, driver in figures)
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    probe.execute("BEGIN IMMEDIATE")  # none of them left the write lock taken
    probe.execute("ROLLBACK")
    probe.close()
