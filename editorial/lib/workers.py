"""Worker threads for the event loop: a call handed to a thread, its result handed back.

What ``asyncio.to_thread`` does, for less: it goes through ``concurrent.futures`` (a work item, a
future with a lock and a condition of its own, a callback chained onto the loop's future), which
costs a request about 40 µs of CPU on a core shared with its threads; here a job is a tuple put on
a queue, and the thread settles the loop's own future with ``call_soon_threadsafe``.
``python -m bench.cpu`` measures the hop with the request around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", contextvars.Context, Callable[[], Any]]
_Jobs = queue.SimpleQueue[_Job | None]


class Workers:
    """A fixed number of threads, started on first use, taking calls in the order they come.

    As with ``asyncio.to_thread``, a call runs in a copy of the caller's context (its context
    variables: the request id), and a call already running finishes even if its caller is
    cancelled; one cancelled before a thread took it is dropped.
    """

    def __init__(self, size: int, name: str) -> None:
        self.size = size
        self.name = name
        self._jobs: _Jobs | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    async def run(self, call: Callable[[], T]) -> T:
        """Run ``call`` in one of the threads; its result, or what it raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        job = (loop, future, contextvars.copy_context(), call)
        with self._lock:  # not put on a queue that ``stop`` has just closed
            if self._jobs is None:
                self._start()
            assert self._jobs is not None
            self._jobs.put(job)
        return await future

    def stop(self) -> list[threading.Thread]:
        """Let the threads finish the calls queued, then end; a later ``run`` starts new ones.

        Does not wait (the event loop calls it at shutdown, where a call still waiting for a lock
        would hold it up): the threads are returned, to be joined by whoever may wait.
        """
        with self._lock:
            jobs, threads = self._jobs, self._threads
            self._jobs, self._threads = None, []
            for _ in threads:
                assert jobs is not None
                jobs.put(None)
        return threads

    def _start(self) -> None:
        jobs: _Jobs = queue.SimpleQueue()
        self._jobs = jobs
        self._threads = [
            threading.Thread(target=_work, args=(jobs,), name=f"{self.name}-{n}", daemon=True) for n in range(self.size)
        ]
        for thread in self._threads:
            thread.start()


def _work(jobs: _Jobs) -> None:
    while (job := jobs.get()) is not None:
        _run(*job)
        del job  # nothing of a finished call is kept while the thread waits for the next


def _run(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], context: contextvars.Context, call: Callable[[], Any]
) -> None:
    if future.cancelled():
        return
    try:
        result, error = context.run(call), None
    except BaseException as raised:  # handed to the caller, as asyncio.to_thread does
        result, error = None, raised
    with contextlib.suppress(RuntimeError):  # raised if the loop has closed: no one is waiting
        loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():  # its caller was cancelled while the call ran
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
