"""Sessions: one per request or job, committed on success and rolled back on error."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from litestar import Request
from litestar.concurrency import sync_to_thread
from sqlmodel import Session

from editorial.db.engine import STATEMENT_SNAPSHOTS, WRITE_OPTION, make_engine
from editorial.lib.workers import Workers
from editorial.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")
WORKER_THREADS = min(32, (os.cpu_count() or 1) + 4)
"""Sessions a process has open for requests at once, and threads of ``Database.workers`` (as many as
the event loop's default executor has, where Litestar runs sync handlers and dependencies)."""


class Admission:
    """A turn from ``Database.admit``: a session's slot and, for a write on SQLite, the writer's lock.

    A class rather than an ``asynccontextmanager``, whose generator costs more than the two
    uncontended acquisitions it would wrap, on every request.
    """

    __slots__ = ("_sessions", "_writer")

    def __init__(self, sessions: asyncio.Semaphore, writer: asyncio.Lock | None) -> None:
        self._sessions = sessions
        self._writer = writer

    async def __aenter__(self) -> None:
        if self._writer is not None:
            await self._writer.acquire()
        try:
            await self._sessions.acquire()
        except BaseException:
            if self._writer is not None:
                self._writer.release()
            raise

    async def __aexit__(self, *_: object) -> None:
        self._sessions.release()
        if self._writer is not None:
            self._writer.release()


class Database:
    """The engine and the session provider every request, job and command goes through."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        # For requests that only read: PostgreSQL gives each statement its own snapshot anyway (READ
        # COMMITTED), and in autocommit there is no transaction left to end, so the session closes
        # without a round trip. SQLite reads the same way: each statement in a transaction of its
        # own, without the BEGIN and COMMIT around it. Jobs keep real transactions (an export's
        # server-side cursor needs one, and its pages one snapshot).
        self._request_read_engine = self.engine.execution_options(
            **({STATEMENT_SNAPSHOTS: True} if settings.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._gates: WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[asyncio.Semaphore, asyncio.Lock]] = (
            WeakKeyDictionary()
        )
        self._workers = Workers(WORKER_THREADS, "db")
        # SQLite admits one writer, and so does ``admit``: its writes take turns on one thread.
        self._writer = Workers(1, "db-writer") if settings.is_sqlite else self._workers

    def session(self, *, write: bool = True) -> Session:
        """A new session; ``write`` transactions lock early on SQLite (``BEGIN IMMEDIATE``)."""
        return Session(self._write_engine if write else self.engine, expire_on_commit=False)

    def request_session(self, *, write: bool) -> Session:
        """The session of an HTTP request: one that only reads (``write=False``) must not write,
        since on PostgreSQL it runs in autocommit."""
        return self.session() if write else Session(self._request_read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose work is committed when the block ends, rolled back if it raises."""
        with self.session(write=write) as session:
            yield session
            session.commit()

    def admit(self, *, write: bool) -> Admission:
        """Wait on the event loop, not in a worker thread, for a turn to open a request session.

        As many sessions as there are worker threads are open at once; on SQLite, one writer,
        since the database admits one anyway and its busy handler polls with sleeps of up to 0.1 s
        where this lock hands over at once, in arrival order.
        """
        loop = asyncio.get_running_loop()
        gates = self._gates.get(loop)
        if gates is None:
            gates = self._gates[loop] = (asyncio.Semaphore(WORKER_THREADS), asyncio.Lock())
        sessions, writer = gates
        return Admission(sessions, writer if write and self.settings.is_sqlite else None)

    def workers(self, *, write: bool) -> Workers:
        """The threads that run a request's session (``in_request_session``), after ``admit``."""
        return self._writer if write else self._workers

    def dispose(self) -> None:
        self._writer.stop()
        self._workers.stop()
        self.engine.dispose()


def _commit_and_close(session: Session) -> None:
    with session:
        session.commit()


async def provide_session(request: Request) -> AsyncGenerator[Session, None]:
    """Litestar dependency: the request's session, committed before the response is sent.

    A request keeps its session, with a pooled connection and any lock it took (SQLite's write
    lock, a row lock), across several hops into the worker threads: the caller, the handler, the
    commit. Were more requests open than there are threads, the ones waiting for a connection or
    a lock could fill every thread while the holders wait for one to finish in, and the server
    would stall until a timeout. ``Database.admit`` makes them wait on the event loop instead.
    """
    db: Database = request.app.state.db
    write = request.method not in SAFE_METHODS
    async with db.admit(write=write):
        session = db.request_session(write=write)
        try:
            yield session
        except BaseException:
            await sync_to_thread(session.close)
            raise
        if write:
            await sync_to_thread(_commit_and_close, session)
        else:
            # Ending a read does no I/O (a read session holds no transaction: see Database.__init__),
            # so it is done here rather than with another hop into a worker thread.
            _commit_and_close(session)


SUPPLIED = ("db_session", "principal", "clock")
"""What ``in_request_session`` hands a handler itself, in place of the dependencies of the same names."""


def _run_in_session(db: Database, write: bool, call: Callable[..., T]) -> T:
    """In a worker thread: the handler, then the commit, in a session of the request's kind."""
    with db.request_session(write=write) as session:
        result = call(db_session=session)
        session.commit()
    return result


def in_request_session(handler: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Run a sync handler and its commit in one hop into a worker thread, after ``Database.admit``.

    The same session ``provide_session`` gives (committed before the response is sent, closed, and
    so rolled back, if the handler or the commit raises; admitted first, one writer on SQLite),
    without what the dependency costs on the event loop: a generator resolved and cleaned up by
    Litestar, a task group when it is resolved beside another dependency, and for a write a second
    hop into a worker thread for the commit. The handler declares ``db_session`` and, if it uses
    them, ``principal`` and ``clock`` as it would otherwise; Litestar sees ``request`` in their place
    and this supplies them: the caller ``authenticate_request`` accepted, and the app's clock.
    """
    signature = inspect.signature(handler)
    supplied = [name for name in SUPPLIED if name in signature.parameters]
    takes_request = "request" in signature.parameters
    self_param, *rest = signature.parameters.values()
    exposed = [self_param, *(p for p in rest if p.name not in SUPPLIED)]
    if not takes_request:
        exposed.insert(1, inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request))

    @functools.wraps(handler)
    async def run(self: Any, request: Request, **kwargs: Any) -> T:
        if takes_request:
            kwargs["request"] = request
        if "principal" in supplied:
            kwargs["principal"] = request.user
        if "clock" in supplied:
            kwargs["clock"] = request.app.state.clock
        db: Database = request.app.state.db
        write = request.method not in SAFE_METHODS
        call = functools.partial(handler, self, **kwargs)
        async with db.admit(write=write):
            return await db.workers(write=write).run(functools.partial(_run_in_session, db, write, call))

    run.__signature__ = signature.replace(parameters=exposed)  # type: ignore[attr-defined]
    run.__annotations__ = {"request": Request} | {
        name: hint for name, hint in handler.__annotations__.items() if name not in SUPPLIED
    }
    return run
