"""``Workers``: a call handed to a thread and its outcome handed back, as ``asyncio.to_thread`` does."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

from editorial.lib.workers import Workers

caller = contextvars.ContextVar("caller", default="nobody")


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers(2, "probe")
    yield pool
    pool.stop()


def test_the_result_comes_back_from_a_thread_of_the_pool(workers: Workers) -> None:
    async def main() -> str:
        return await workers.run(lambda: threading.current_thread().name)

    assert asyncio.run(main()) in {"probe-0", "probe-1"}


def test_what_the_call_raises_is_raised_to_the_caller(workers: Workers) -> None:
    def fail() -> None:
        raise LookupError("no such article")

    async def main() -> None:
        await workers.run(fail)

    with pytest.raises(LookupError, match="no such article"):
        asyncio.run(main())


def test_the_call_sees_the_callers_context_and_cannot_change_it(workers: Workers) -> None:
    def swap() -> str:
        seen = caller.get()
        caller.set("the thread")
        return seen

    async def main() -> tuple[str, str]:
        caller.set("request 7")
        seen = await workers.run(swap)
        return seen, caller.get()

    assert asyncio.run(main()) == ("request 7", "request 7")


def test_a_call_cancelled_before_a_thread_took_it_is_dropped() -> None:
    pool, release, ran = Workers(1, "probe"), threading.Event(), []

    async def main() -> None:
        busy = asyncio.ensure_future(pool.run(release.wait))
        waiting = asyncio.ensure_future(pool.run(lambda: ran.append("second")))
        await asyncio.sleep(0)  # both queued; the one thread is held by the first
        waiting.cancel()
        release.set()
        await busy
        assert await pool.run(lambda: "after") == "after"  # the queue moved past the dropped call

    try:
        asyncio.run(main())
    finally:
        pool.stop()
    assert ran == []


def test_a_thread_outlives_a_loop_closed_while_its_call_ran() -> None:
    pool, started, release = Workers(1, "probe"), threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait()
        return "late"

    async def abandon() -> None:
        abandoned = asyncio.ensure_future(pool.run(slow))
        await asyncio.to_thread(started.wait)
        assert not abandoned.done()  # asyncio.run now cancels it and closes the loop

    async def again() -> str:
        return await asyncio.wait_for(pool.run(lambda: "served"), timeout=10)

    try:
        asyncio.run(abandon())
        release.set()  # the thread now hands its result to a closed loop
        assert asyncio.run(again()) == "served"
    finally:
        pool.stop()


def test_a_call_cancelled_while_it_runs_finishes_and_troubles_no_one() -> None:
    pool, started, release, ran, troubles = Workers(1, "probe"), threading.Event(), threading.Event(), [], []

    def slow() -> None:
        started.set()
        release.wait()
        ran.append("slow")

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, context: troubles.append(context))
        task = asyncio.ensure_future(pool.run(slow))
        await asyncio.to_thread(started.wait)
        task.cancel()
        release.set()
        assert await pool.run(lambda: "next") == "next"  # by now the thread has handed back the cancelled call

    try:
        asyncio.run(main())
    finally:
        pool.stop()
    assert ran == ["slow"]
    assert troubles == []


def test_a_finished_call_leaves_nothing_behind_in_its_thread() -> None:
    class Result:
        pass

    pool = Workers(1, "probe")

    async def main() -> weakref.ref[Result]:
        return weakref.ref(await pool.run(Result))

    try:
        result = asyncio.run(main())
        deadline = time.monotonic() + 10  # the thread lets go once it is back waiting for work
        while result() is not None and time.monotonic() < deadline:
            gc.collect()
            time.sleep(0.001)
        assert result() is None
    finally:
        pool.stop()


def test_stop_does_not_wait_and_the_next_call_gets_new_threads() -> None:
    pool, started, release = Workers(1, "probe"), threading.Event(), threading.Event()

    def stuck() -> None:
        started.set()
        release.wait()

    async def main() -> tuple[list[threading.Thread], threading.Thread]:
        first = asyncio.ensure_future(pool.run(stuck))
        await asyncio.to_thread(started.wait)
        old = await asyncio.wait_for(asyncio.to_thread(pool.stop), timeout=10)  # its call still runs
        new = await asyncio.wait_for(pool.run(threading.current_thread), timeout=10)
        release.set()
        await first
        return old, new

    try:
        old, new = asyncio.run(main())
    finally:
        release.set()
        ended = pool.stop()
    assert new not in old
    for thread in [*old, *ended]:
        thread.join(timeout=10)
        assert not thread.is_alive()
