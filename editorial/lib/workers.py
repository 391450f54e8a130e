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


class Workers:
    """A fixed number of threads, started on first use, taking calls in the order they come.

    As with ``asyncio.to_thread``, a call runs in a copy of the caller's context (its context
    variables: the request id), and a call already running finishes even if its caller is
    cancelled; one cancelled before a thread took it is dropped.
    """

    def __init__(self, size: int, name: str) -> None:
        self.size = size
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._starting = threading.Lock()

    async def run(self, call: Callable[[], T]) -> T:
        """Run ``call`` in one of the threads; its result, or what it raised."""
        if not self._threads:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((loop, future, contextvars.copy_context(), call))
        return await future

    def stop(self) -> None:
        """Let the threads finish the calls queued, and end; a later ``run`` starts them again."""
        with self._starting:
            threads, self._threads = self._threads, []
            for _ in threads:
                self._jobs.put(None)
        for thread in threads:
            thread.join()

    def _start(self) -> None:
        with self._starting:
            if self._threads:
                return
            self._threads = [
                threading.Thread(target=self._work, name=f"{self.name}-{n}", daemon=True) for n in range(self.size)
            ]
            for thread in self._threads:
                thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, context, call = job
            if future.cancelled():
                continue
            try:
                result, error = context.run(call), None
            except BaseException as raised:  # handed to the caller, as asyncio.to_thread does
                result, error = None, raised
            with contextlib.suppress(RuntimeError):  # raised if the loop has closed: no one is waiting
                loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
