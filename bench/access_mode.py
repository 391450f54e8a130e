"""Sync sessions in a worker thread, or an async driver? The same article read served both ways.

One small app under uvicorn, on the service's own models, settings and middleware, answers
``GET /sync/articles/{id}`` the way the service does (a sync session; the caller, looked up on
every request without the service's principal cache, and the handler resolved in Litestar's
thread pool) and ``GET /async/articles/{id}`` with an ``AsyncSession`` on the async driver
(aiosqlite for SQLite, psycopg's async connection for PostgreSQL) and the same two statements:
the token with its user and grants, then the article with its head revision. Both are loaded the same way as the other
benchmarks, against ``/live`` measured in the same run.

    python -m bench.access_mode                 # SQLite, then PostgreSQL when it answers
    python -m bench access-mode [--database-url URL]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.middleware import DefineMiddleware
from litestar.params import FromPath
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from editorial.articles import reading
from editorial.articles.controllers import with_etag
from editorial.articles.schemas import ArticleRead
from editorial.auth.principal import Principal
from editorial.auth.secrets import split_token, token_matches
from editorial.auth.services import TOKEN_LOOKUP, authenticate
from editorial.db import Database
from editorial.db.session import provide_session
from editorial.lib.clock import Clock, SystemClock
from editorial.lib.deps import Caller, DbSession
from editorial.lib.errors import NotAuthenticated, exception_handlers
from editorial.lib.logging import request_id_middleware
from editorial.settings import Settings

AsyncDb = NamedDependency[AsyncSession]


def async_engine(settings: Settings) -> AsyncEngine:
    """The async twin of ``editorial.db.engine.make_engine``: same pool, same SQLite pragmas."""
    url = make_url(settings.database_url)
    pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, pool_recycle=1800, **pool)
    engine = create_async_engine(
        url.set(drivername="sqlite+aiosqlite"),
        connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
        **pool,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


async def authenticate_async(session: AsyncSession, authorization: str | None, *, now: datetime) -> Principal:
    """``editorial.auth.services.authenticate`` with an await: the same statement and checks."""
    scheme, _, secret = (authorization or "").partition(" ")
    prefix = split_token(secret.strip()) if scheme.lower() == "bearer" else None
    rows = (await session.execute(TOKEN_LOOKUP, {"prefix": prefix})).all() if prefix else []
    if not rows or not token_matches(secret.strip(), rows[0].token_hash):
        raise NotAuthenticated("unknown token")
    found = rows[0]
    if found.revoked_at is not None or (found.expires_at is not None and found.expires_at <= now):
        raise NotAuthenticated("this token is no longer valid")
    if not found.is_active:
        raise NotAuthenticated("this account is disabled")
    return Principal(
        user_id=found.user_id,
        username=found.username,
        display_name=found.display_name,
        grants=tuple((row.role, row.desk_id) for row in rows if row.role is not None),
        scopes=frozenset(found.scopes) if found.scopes is not None else None,
    )


async def get_async(session: AsyncSession, principal: Principal, article_id: int) -> ArticleRead:
    """``editorial.articles.reading.get`` with an await: the same one statement."""
    params = {"article_id": article_id, "user_id": principal.user_id}
    result = await (await session.connection()).execute(reading.READ_ARTICLE, params)
    return reading.read_row(principal, result.first(), article_id)


async def provide_async_principal(request: Request[Any, Any, Any], async_session: AsyncDb) -> Principal:
    """The caller, looked up through the async session."""
    clock: Clock = request.app.state.clock
    return await authenticate_async(async_session, request.headers.get("authorization"), now=clock.now())


def provide_sync_principal(request: Request[Any, Any, Any], db_session: DbSession) -> Principal:
    """The caller, looked up through the sync session in a worker thread (no principal cache)."""
    clock: Clock = request.app.state.clock
    return authenticate(db_session, request.headers.get("authorization"), now=clock.now())


@get(
    "/sync/articles/{article_id:int}",
    sync_to_thread=True,
    dependencies={"principal": Provide(provide_sync_principal, sync_to_thread=True)},
)
def read_sync(principal: Caller, db_session: DbSession, article_id: FromPath[int]) -> Response[ArticleRead]:
    """The service's read path: sync session, caller and handler in the thread pool."""
    return with_etag(reading.get(db_session, principal, article_id))


@get("/async/articles/{article_id:int}", dependencies={"principal": Provide(provide_async_principal)})
async def read_async(principal: Caller, async_session: AsyncDb, article_id: FromPath[int]) -> Response[ArticleRead]:
    """The same read on the event loop, through the async driver."""
    return with_etag(await get_async(async_session, principal, article_id))


@get("/live", sync_to_thread=False)
def live() -> dict[str, str]:
    """The peer: no database."""
    return {"status": "ok"}


def create_app(database_url: str) -> Litestar:
    settings = Settings(database_url=database_url, access_log=False, log_level="WARNING")
    db = Database(settings)
    sessions = async_sessionmaker(async_engine(settings), class_=AsyncSession, expire_on_commit=False)
    clock = SystemClock()

    async def provide_async_session() -> AsyncGenerator[AsyncSession, None]:
        async with sessions() as session:
            yield session
            await session.commit()

    def provide_clock() -> Clock:
        return clock

    return Litestar(
        route_handlers=[read_sync, read_async, live],
        dependencies={
            "db_session": Provide(provide_session),
            "async_session": Provide(provide_async_session),
            "clock": Provide(provide_clock, sync_to_thread=False),
        },
        exception_handlers=exception_handlers,
        middleware=[DefineMiddleware(request_id_middleware, log_requests=False)],
        state=State({"db": db, "clock": clock, "settings": settings}),
        openapi_config=None,
    )


def serve(database_url: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(database_url), host="127.0.0.1", port=port, access_log=False, log_level="warning")


def measure(options: Any) -> list[Any]:
    """Sync and async reads of a realistic article against ``/live``, alternating, ``rounds`` times."""
    from bench import seed
    from bench.harness import Server, database, scratch_database
    from bench.suites import Line
    from bench.workloads import Workload

    with scratch_database(options.database_url) as url:
        db = database(url)
        people = seed.create_people(db)
        writer = people["writer"]
        [article_id] = seed.create_articles(db, writer, 1, words=3000)
        db.dispose()
        peer = Workload("GET /live", "/live")
        sync = Workload("sync Session in a worker thread", f"/sync/articles/{article_id}", writer.token)
        async_ = Workload("AsyncSession on the async driver", f"/async/articles/{article_id}", writer.token)
        argv = [sys.executable, "-m", "bench.access_mode", "serve", url, "--port", "{port}"]
        peers: list[Any] = []
        results: dict[str, list[Any]] = {sync.name: [], async_.name: []}
        with Server(argv, ready_path="/live") as server:
            for warm in (peer, sync, async_):
                warm.run(server, duration=min(2.0, options.duration), connections=options.connections)
            for n in range(options.rounds):
                peers.append(peer.run(server, duration=options.duration, connections=options.connections))
                for workload in (sync, async_) if n % 2 == 0 else (async_, sync):
                    results[workload.name].append(
                        workload.run(server, duration=options.duration, connections=options.connections)
                    )
    sync_line = Line(sync.name, results[sync.name], peers)
    async_line = Line(async_.name, results[async_.name], peers)
    ratio = sync_line.rps / async_line.rps if async_line.rps else float("inf")
    p99 = [sum(r.p99_ms for r in line.results) / len(line.results) for line in (sync_line, async_line)]
    async_line.note = f"sync/async: throughput {ratio:.2f}x, p99 {p99[0] / p99[1]:.2f}x"
    return [Line("GET /live (peer)", peers, peers), sync_line, async_line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.access_mode", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    serve_cmd = sub.add_parser("serve", help="(used by the bench) serve the experiment app")
    serve_cmd.add_argument("database_url")
    serve_cmd.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", help="PostgreSQL server (default: the local one, when it answers)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.database_url, args.port)
        return 0
    from bench import __main__ as cli

    common = ["access-mode", *(["--quick"] if args.quick else [])]
    status = cli.main(common)
    from bench.harness import DEFAULT_POSTGRES_URL, postgres_problem

    postgres = args.database_url or DEFAULT_POSTGRES_URL
    problem = postgres_problem(postgres)
    if problem:
        print(f"\nPostgreSQL at {postgres} does not answer ({problem}); only SQLite was measured.")
        return status
    return status or cli.main([*common, "--database-url", postgres])


if __name__ == "__main__":
    sys.exit(main())
