"""``Direct``: a statement run on the driver's cursor converts, fails and shows itself as through Core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError, StatementError

from editorial.db import Database
from editorial.db.direct import Direct
from editorial.db.models import Desk, Event, EventSequence

KATHMANDU = timezone(timedelta(hours=5, minutes=45))
EVENTS = Event.__table__
COLUMNS = ["seq", "type", "article_id", "occurred_at", "actor", "data"]
INSERT_EVENT = Direct(insert(EVENTS).returning(EVENTS.c.id), COLUMNS)
READ_EVENT = select(EVENTS).where(EVENTS.c.id == bindparam("id"))


def event_row(seq: int, **overrides: Any) -> dict[str, Any]:
    at = datetime(2026, 11, 24, 20, 45, 30, 123456, tzinfo=KATHMANDU)
    data = {"comment": "ça va", "revision": 3, "nested": {"ok": True}, "none": None}
    return (
        {"seq": seq, "type": "article.transitioned", "article_id": 7, "occurred_at": at, "actor": "ann"}
        | {"data": data}
        | overrides
    )


def test_a_row_written_directly_reads_back_through_core_as_written(db: Database) -> None:
    row = event_row(1)
    with db.transaction() as session:
        [(event_id,)] = INSERT_EVENT.rows(session.connection(), row)
    with db.transaction(write=False) as session:
        stored = session.execute(READ_EVENT, {"id": event_id}).one()._asdict()
    assert stored == {"id": event_id, **row} | {"occurred_at": row["occurred_at"].astimezone(UTC)}
    assert stored["occurred_at"].utcoffset() == timedelta(0)


def test_a_row_written_through_core_reads_back_directly_as_through_core(db: Database) -> None:
    with db.transaction() as session:
        event_id = session.execute(insert(EVENTS).returning(EVENTS.c.id), event_row(2)).scalar_one()
    with db.transaction(write=False) as session:
        connection = session.connection()
        through_core = connection.execute(READ_EVENT, {"id": event_id}).one()
        direct = Direct(READ_EVENT).first(connection, {"id": event_id})
        assert Direct(READ_EVENT).first(connection, {"id": event_id + 1000}) is None
    assert direct == tuple(through_core)
    assert direct._fields == tuple(through_core._fields)
    assert direct.occurred_at.tzinfo is not None
    assert direct.data["nested"] == {"ok": True}


def test_values_the_statement_carries_are_bound(db: Database) -> None:
    sequence = EventSequence.__table__
    take = Direct(
        update(sequence)
        .where(sequence.c.id == 1)
        .values(value=sequence.c.value + bindparam("count"))
        .returning(sequence.c.value)
    )
    with db.transaction() as session:
        before = session.execute(select(sequence.c.value).where(sequence.c.id == 1)).scalar_one()
        [(after,)] = take.rows(session.connection(), {"count": 3})
    assert after == before + 3
    with db.transaction(write=False) as session:
        assert Direct(select(Desk.id).where(Desk.id == "news")).rows(session.connection()) == [("news",)]


def test_a_constraint_the_database_enforces_fails_as_through_core_and_writes_nothing(db: Database) -> None:
    with db.transaction() as session:
        [(event_id,)] = INSERT_EVENT.rows(session.connection(), event_row(3))
    duplicate = Direct(insert(EVENTS), ["id", *COLUMNS])
    with db.session() as session:
        INSERT_EVENT.run(session.connection(), event_row(4))
        with pytest.raises(IntegrityError):
            duplicate.run(session.connection(), event_row(5, id=event_id))
        session.rollback()
    with db.transaction(write=False) as session:
        assert session.execute(select(EVENTS.c.seq).order_by(EVENTS.c.seq)).scalars().all() == [3]


def test_a_value_its_type_refuses_fails_before_the_database_is_asked(db: Database) -> None:
    with pytest.raises(StatementError, match="naive"), db.transaction() as session:
        INSERT_EVENT.run(session.connection(), event_row(6, occurred_at=datetime(2026, 11, 24, 12, 0)))
    with db.transaction(write=False) as session:
        assert session.execute(select(EVENTS.c.id)).all() == []


def test_the_engine_listeners_see_each_statement_with_a_context_to_keep_their_state_on(db: Database) -> None:
    seen: list[tuple[str, Any]] = []
    spans: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool) -> None:
        seen.append((statement, parameters))
        context.span = f"span of {statement.split()[0]}"  # as a tracer keeps its span between the two

    def after(_conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        spans.append(context.span)

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        with db.transaction() as session:
            INSERT_EVENT.run(session.connection(), event_row(7))
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    [(sql, parameters)] = [(sql, p) for sql, p in seen if sql.startswith("INSERT INTO events")]
    assert sql == INSERT_EVENT.compiled(db.engine.dialect).sql
    assert "ann" in (parameters.values() if isinstance(parameters, dict) else parameters)
    assert "span of INSERT" in spans


SCRATCH = Table("scratch", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer, default=42))


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        (insert(SCRATCH), "Python-side column default"),
        (select(SCRATCH.c.id).where(SCRATCH.c.id.in_(bindparam("ids", expanding=True))), "rendered at execution"),
        (select(SCRATCH.c.id).where(SCRATCH.c.n == bindparam("n", callable_=lambda: 1)), "computed at execution"),
    ],
)
def test_what_core_would_do_at_execution_is_refused_when_compiled(db: Database, statement: Any, refused: str) -> None:
    with pytest.raises(ValueError, match=refused):
        Direct(statement, ["id"] if statement.is_insert else None).compiled(db.engine.dialect)
