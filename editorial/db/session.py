"""Sessions: one per request or job, committed on success and rolled back on error."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager

from litestar import Request
from sqlmodel import Session

from editorial.db.engine import WRITE_OPTION, make_engine
from editorial.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Database:
    """The engine and the session provider every request, job and command goes through."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})

    def session(self, *, write: bool = True) -> Session:
        """A new session; ``write`` transactions lock early on SQLite (``BEGIN IMMEDIATE``)."""
        return Session(self._write_engine if write else self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose work is committed when the block ends, rolled back if it raises."""
        with self.session(write=write) as session:
            yield session
            session.commit()

    def dispose(self) -> None:
        self.engine.dispose()


def provide_session(request: Request) -> Generator[Session, None, None]:
    """Litestar dependency: the request's session, committed before the response is sent."""
    db: Database = request.app.state.db
    with db.transaction(write=request.method not in SAFE_METHODS) as session:
        yield session
