"""The floor: the same three requests on the bare stack, to calibrate the targets of issues 2 and 3.

A Litestar app under uvicorn, answering the paths the bench drives (``GET /health/live``, ``GET``
and ``PUT /api/v1/articles/{id}``, ``POST /api/v1/articles/{id}/workflow/{transition}``) with the
writes each request owes and nothing more, through the sqlite3 driver in one hop into a worker
thread (as the service's handlers run): no SQLAlchemy, no authentication, no policy, no
middleware. A read is one join of the article and its head revision. A save checks If-Match,
writes the new revision whole, packs the previous head with the service's own packer, moves the
head and writes its event. A transition checks the state, moves it, writes a history row and an
event, and answers with the article. Left out: the caller's token and grants, the workflow's
rules and sign-offs, webhook deliveries, metrics, request ids and logs. A request of the service
does at least this much, so a target above the floor's own ratio cannot be met on this stack.

``python -m bench floor`` serves this app beside ``editorial serve`` on the same database (SQLite
only), once through the driver and once through SQLAlchemy's lightest path (``FLOOR_DRIVER``), and
reports each against its own ``GET /health/live`` and against the service's.
``python -m bench.floor`` prints what one statement, and an empty write transaction, cost through
SQLAlchemy and through the driver.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import sqlite3
import threading
import timeit
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Litestar, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody
from sqlalchemy import Connection, Engine, create_engine

from bench import seed
from editorial.db.direct import Direct
from editorial.db.engine import WRITE_OPTION
from editorial.revisions.storage import encode
from editorial.settings import Settings

if TYPE_CHECKING:
    from editorial.db import Database

CONTENT = ("title", "dek", "body", "tags", "authors")
MOVES = {
    "submit": ("draft", "editing"),
    "send_to_fact_check": ("editing", "fact_check"),
    "pass_fact_check": ("fact_check", "ready"),
    "publish": ("ready", "published"),
}
_READ = (
    "SELECT a.id, a.slug, a.desk_id, a.state, a.head_revision, a.signed_revision, a.live_revision, a.updated_at,"
    " r.title, r.dek, r.body, r.tags, r.authors"
    " FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.head_revision WHERE a.id = ?"
)
_PACK = "UPDATE revisions SET body = NULL, body_packed = ?, body_base = ? WHERE article_id = ? AND number = ?"
_EVENT = "INSERT INTO events (seq, type, article_id, occurred_at, actor, data) VALUES (?, ?, ?, ?, ?, ?)"
_FIELDS = ("id", "slug", "desk", "state", "revision", "signed_revision", "live_revision", "updated_at", *CONTENT)
AnyRequest = Request[Any, Any, Any]
_local = threading.local()
_writer = threading.Lock()


class _Through:
    """The sqlite3 connection's ``execute``, but through SQLAlchemy's lightest path (``exec_driver_sql``)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
        return self.connection.exec_driver_sql(sql, parameters)


def _connection() -> Any:
    """This thread's connection, set up as the service's engine sets up its own.

    ``FLOOR_DRIVER=sqlalchemy``: the same SQL through SQLAlchemy's ``exec_driver_sql`` (no compilation,
    no type processing: the least SQLAlchemy adds to a statement), in autocommit so the floor still
    begins and commits its transactions itself.
    """
    path = os.environ["FLOOR_DATABASE"]
    connection = getattr(_local, "connections", {}).get(path)
    if connection is None:
        if os.environ.get("FLOOR_DRIVER") == "sqlalchemy":
            through = _engine(path).connect().execution_options(isolation_level="AUTOCOMMIT")
            _set_up(through.connection.driver_connection)
            connection = _Through(through)
        else:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            _set_up(connection)
        _local.connections = {path: connection}
    return connection


@functools.cache
def _engine(path: str) -> Engine:
    """One engine for the worker threads' connections (each keeps its own for the life of the app)."""
    return create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})


def _set_up(connection: Any) -> None:
    autocheckpoint = Settings().sqlite_wal_autocheckpoint
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")


def _event(connection: Any, kind: str, article_id: int, now: str, data: dict[str, Any]) -> None:
    """The event the change owes its subscribers, numbered in commit order as the service numbers it."""
    (seq,) = connection.execute("UPDATE event_sequence SET value = value + 1 WHERE id = 1 RETURNING value").fetchone()
    row = (seq, kind, article_id, now, "floor", msgspec.json.encode(data).decode())
    connection.execute(_EVENT, row)


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _article(connection: Any, article_id: int) -> dict[str, Any] | None:
    row = connection.execute(_READ, (article_id,)).fetchone()
    if row is None:
        return None
    article = dict(zip(_FIELDS, row, strict=True))
    article["tags"], article["authors"] = msgspec.json.decode(row[-2]), msgspec.json.decode(row[-1])
    return article


def _answer(request: AnyRequest, article: dict[str, Any] | None, status: int = 200) -> Response[Any]:
    headers = {"X-Request-ID": request.headers.get("x-request-id", "-")}
    if article is None:
        return Response({"title": "Not found"}, status_code=status if status != 200 else 404, headers=headers)
    return Response(article, status_code=status, headers={**headers, "ETag": f'"r{article["revision"]}"'})


class _Write:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error), one writer at a time.

    The service too admits one writer at a time and locks up front: threads left to contend for
    SQLite's lock would wait in its busy handler, which sleeps, and the floor would be lower.
    """

    def __init__(self) -> None:
        self.connection = _connection()

    def __enter__(self) -> Any:
        _writer.acquire()
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            self.connection.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            _writer.release()


@get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/api/v1/articles/{article_id:int}")
async def read_article(request: AnyRequest, article_id: FromPath[int]) -> Response[Any]:
    return await asyncio.to_thread(lambda: _answer(request, _article(_connection(), article_id)))


@put("/api/v1/articles/{article_id:int}")
async def save_article(request: AnyRequest, article_id: FromPath[int], data: JSONBody[dict[str, Any]]) -> Response[Any]:
    return await asyncio.to_thread(_save, request, article_id, data)


@post("/api/v1/articles/{article_id:int}/workflow/{transition:str}")
async def take_transition(request: AnyRequest, article_id: FromPath[int], transition: FromPath[str]) -> Response[Any]:
    return await asyncio.to_thread(_move, request, article_id, transition)


def _save(request: AnyRequest, article_id: int, data: dict[str, Any]) -> Response[Any]:
    base = request.headers.get("if-match", "").strip('"r')
    with _Write() as connection:
        head = _article(connection, article_id)
        if head is None or str(head["revision"]) != base:
            return _answer(request, head, 412)
        content = {name: data.get(name, head[name]) for name in CONTENT}
        digest = hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()
        number, now = head["revision"] + 1, _now()
        connection.execute(
            "INSERT INTO revisions (article_id, number, title, dek, body, tags, authors, saved_by_id, saved_at,"
            " message, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (
                article_id,
                number,
                content["title"],
                content["dek"],
                content["body"],
                msgspec.json.encode(content["tags"]).decode(),
                msgspec.json.encode(content["authors"]).decode(),
                now,
                str(data.get("message", "")),
                digest,
            ),
        )
        # The previous head packed as the service packs it (issue 4), against the new one for brevity.
        packed = (encode(content["body"], head["body"]), number, article_id, head["revision"])
        connection.execute(_PACK, packed)
        moved = (number, now, article_id)
        connection.execute("UPDATE articles SET head_revision = ?, updated_at = ? WHERE id = ?", moved)
        _event(connection, "article.revised", article_id, now, {"revision": number})
    return _answer(request, {**head, **content, "revision": number, "updated_at": now})


def _move(request: AnyRequest, article_id: int, transition: str) -> Response[Any]:
    source, destination = MOVES.get(transition, ("", ""))
    with _Write() as connection:
        found = connection.execute("SELECT state, head_revision FROM articles WHERE id = ?", (article_id,)).fetchone()
        if found is None or found[0] != source:
            return _answer(request, None, 409)
        now = _now()
        connection.execute(
            "UPDATE articles SET state = ?, state_changed_at = ?, updated_at = ? WHERE id = ?",
            (destination, now, now, article_id),
        )
        connection.execute(
            "INSERT INTO history (article_id, at, actor_id, transition, from_state, to_state, comment, revision)"
            " VALUES (?, ?, 1, ?, ?, ?, '', ?)",
            (article_id, now, transition, source, destination, found[1]),
        )
        _event(connection, "article.transitioned", article_id, now, {"transition": transition})
    return _answer(request, _article(_connection(), article_id))


app = Litestar([live, read_article, save_article, take_transition], openapi_config=None)


def statement_costs(repeat: int = 5000) -> list[tuple[str, float, float | None, float]]:
    """µs per execution of two hot statements through SQLAlchemy Core, as ``Direct``, and through the bare driver.

    The same SQL (SQLAlchemy's compilation of the service's own statements) on the same connection,
    on a scratch SQLite database: what executing a statement through SQLAlchemy adds to each of
    the seven or eight statements of a save or a transition, and what ``editorial.db.direct`` (which
    runs them) still adds. Then an empty write transaction each way (no ``Direct`` figure).
    """
    from sqlalchemy import insert

    from bench.harness import database, scratch_database
    from editorial.articles.reading import READ_ARTICLE
    from editorial.db.models import HistoryEntry

    with scratch_database(None) as url:
        db = database(url)
        writer = seed.create_people(db)["writer"]
        [article] = seed.create_articles(db, writer, 1, words=1200)
        history = {"article_id": article, "at": datetime.now(UTC), "actor_id": writer.user_id, "revision": 1}
        history |= {"transition": "submit", "from_state": "draft", "to_state": "editing", "comment": ""}
        read = {"article_id": article, "user_id": writer.user_id}
        cases = [
            ("SELECT an article at its head", READ_ARTICLE, None, read),
            ("INSERT a history row", insert(HistoryEntry), list(history), history),
        ]
        with db.engine.connect() as connection:
            figures: list[tuple[str, float, float | None, float]] = [
                (label, *_three_ways(connection, Direct(statement, columns), params, repeat))
                for label, statement, columns, params in cases
            ]
            connection.rollback()
        figures += [(label, orm_or_core, None, bare) for label, orm_or_core, bare in transaction_costs(db, repeat)]
        db.dispose()
    return figures


def transaction_costs(db: Database, repeat: int) -> list[tuple[str, float, float]]:
    """µs per empty write transaction (``BEGIN IMMEDIATE``, then ``COMMIT``): through an ORM session
    as a request's is opened, begun, committed and closed, and through a Core connection, each
    beside the same two statements on the bare driver's connection."""

    def orm_session() -> None:
        with db.session(write=True) as session:
            session.connection()
            session.commit()

    writes = db.engine.execution_options(**{WRITE_OPTION: True})

    def core_connection() -> None:
        with writes.connect() as connection:
            connection.begin()
            connection.commit()

    driver = db.engine.raw_connection()

    def bare() -> None:
        driver.execute("BEGIN IMMEDIATE")
        driver.execute("COMMIT")

    try:
        bare_us = timeit.timeit(bare, number=repeat) / repeat * 1e6
    finally:
        driver.close()
    cases = (("an empty write transaction (ORM)", orm_session), ("an empty one (Core)", core_connection))
    return [(label, timeit.timeit(run, number=repeat) / repeat * 1e6, bare_us) for label, run in cases]


def _three_ways(connection: Connection, direct: Direct, params: dict[str, Any], repeat: int) -> tuple[float, ...]:
    """µs per execution of a statement through ``connection``, as ``Direct``, and of its SQL on the driver's cursor."""
    statement, rows = direct.statement, not direct.statement.is_insert  # an INSERT's result has no rows to fetch
    compiled = direct.compiled(connection.dialect)
    raw = Direct.parameters(compiled, params)
    cursor = connection.connection.driver_connection.cursor()
    runs = (
        lambda: connection.execute(statement, params).all() if rows else connection.execute(statement, params),
        lambda: direct.rows(connection, params),
        lambda: cursor.execute(compiled.sql, raw).fetchall(),
    )
    return tuple(timeit.timeit(run, number=repeat) / repeat * 1e6 for run in runs)


if __name__ == "__main__":
    logging.disable(logging.INFO)
    print(f"{'µs each':34} {'SQLAlchemy':>10} {'Direct':>8} {'driver':>8}")
    for label, sqlalchemy_us, direct_us, driver_us in statement_costs():
        direct = f"{direct_us:8.1f}" if direct_us is not None else f"{'-':>8}"
        print(f"{label:34} {sqlalchemy_us:10.1f} {direct} {driver_us:8.1f}")
