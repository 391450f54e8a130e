"""bench.cpu tells the event loop's CPU from the worker threads'."""

from __future__ import annotations

import asyncio
import time

from bench.cpu import cpu_per_call


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
