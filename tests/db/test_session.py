"""``in_request_session``: the handler and its commit in one hop, with ``provide_session``'s guarantees."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Controller, Litestar, get, put
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.testing import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from editorial.db import Database
from editorial.db.models import Desk
from editorial.db.session import WORKER_THREADS, in_request_session
from editorial.lib.clock import Clock, FrozenClock
from editorial.lib.errors import Conflict, exception_handlers, integrity_conflict

THREADS: list[str] = []
"""The thread each probe handler ran in."""


def _someone(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    connection.scope["user"] = "someone"


class DeskProbe(Controller):
    path = "/probe/{desk_id:str}"

    @put()
    @in_request_session
    def add(
        self, db_session: Session, clock: Clock, desk_id: FromPath[str], fail: FromQuery[bool] = False
    ) -> dict[str, str]:
        """Add a desk, unflushed so that a duplicate fails at the commit; ``fail`` raises once it is written."""
        THREADS.append(threading.current_thread().name)
        db_session.add(Desk(id=desk_id, title="Probe", workflow="simple", created_at=clock.now()))
        if fail:
            db_session.flush()
            raise Conflict("refused after writing")
        return {"added": desk_id}

    @get()
    @in_request_session
    def who(self, principal: str, db_session: Session, desk_id: FromPath[str]) -> dict[str, Any]:
        """The caller, and whether the desk exists."""
        THREADS.append(threading.current_thread().name)
        return {"principal": principal, "exists": db_session.get(Desk, desk_id) is not None}


@pytest.fixture
def probe(db: Database, clock: FrozenClock) -> Iterator[TestClient[Any]]:
    app = Litestar(
        route_handlers=[DeskProbe],
        guards=[_someone],
        state=State({"db": db, "clock": clock}),
        exception_handlers={**exception_handlers, IntegrityError: integrity_conflict},
    )
    with TestClient(app) as client:
        yield client


def _desk_exists(db: Database, desk_id: str) -> bool:
    with db.transaction(write=False) as session:
        return session.get(Desk, desk_id) is not None


def test_the_write_is_committed_when_the_response_arrives(probe: TestClient[Any], db: Database) -> None:
    assert probe.put("/probe/probe-a").json() == {"added": "probe-a"}
    assert _desk_exists(db, "probe-a")


def test_a_commit_that_fails_is_the_response(probe: TestClient[Any], db: Database) -> None:
    assert probe.put("/probe/probe-b").status_code == 200
    again = probe.put("/probe/probe-b")  # the duplicate key surfaces only when the commit flushes
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


def test_an_error_after_writing_rolls_the_write_back(probe: TestClient[Any], db: Database) -> None:
    response = probe.put("/probe/probe-c", params={"fail": "true"})
    assert response.status_code == 409
    assert response.json()["detail"] == "refused after writing"
    assert not _desk_exists(db, "probe-c")
    assert probe.put("/probe/probe-c").status_code == 200  # and the session held no lock past the error


def test_the_caller_and_the_session_are_supplied(probe: TestClient[Any]) -> None:
    assert probe.get("/probe/nowhere").json() == {"principal": "someone", "exists": False}
    probe.put("/probe/probe-d")
    assert probe.get("/probe/probe-d").json()["exists"] is True


def test_litestar_sees_the_request_not_what_is_supplied(probe: TestClient[Any]) -> None:
    schema = probe.app.openapi_schema.to_schema()
    put_parameters = {p["name"] for p in schema["paths"]["/probe/{desk_id}"]["put"]["parameters"]}
    assert put_parameters == {"desk_id", "fail"}


def test_writes_take_turns_on_one_thread_on_sqlite_and_reads_share_the_pool(
    probe: TestClient[Any], db: Database
) -> None:
    THREADS.clear()
    for n in range(4):
        assert probe.put(f"/probe/probe-t{n}").status_code == 200
    assert probe.get("/probe/probe-t0").json()["exists"] is True
    *writes, read = THREADS
    pool = {f"db-{n}" for n in range(WORKER_THREADS)}
    assert set(writes) <= ({"db-writer-0"} if db.settings.is_sqlite else pool)
    assert read in pool
