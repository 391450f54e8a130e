"""``UTCDateTime``: naive datetimes are refused, aware ones come back as the same instant in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError

from editorial.db import Database
from editorial.db.models import Desk
from editorial.db.types import UTCDateTime

PARIS_WINTER = timezone(timedelta(hours=1))
KATHMANDU = timezone(timedelta(hours=5, minutes=45))


def add_desk(db: Database, desk_id: str, created_at: datetime) -> None:
    with db.transaction() as session:
        session.execute(insert(Desk).values(id=desk_id, title=desk_id, workflow="news", created_at=created_at))


def test_naive_datetime_is_refused_when_bound() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1, 9, 0), sqlite.dialect())


def test_sqlite_stores_the_utc_wall_time() -> None:
    bound = UTCDateTime().process_bind_param(datetime(2026, 1, 1, 10, 0, tzinfo=PARIS_WINTER), sqlite.dialect())
    assert bound == datetime(2026, 1, 1, 9, 0)


def test_postgresql_is_given_an_aware_utc_value() -> None:
    bound = UTCDateTime().process_bind_param(datetime(2026, 1, 1, 14, 45, tzinfo=KATHMANDU), postgresql.dialect())
    assert bound == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert bound.utcoffset() == timedelta(0)


def test_none_passes_through_both_ways() -> None:
    decorator = UTCDateTime()
    assert decorator.process_bind_param(None, sqlite.dialect()) is None
    assert decorator.process_result_value(None, sqlite.dialect()) is None


def test_naive_value_is_refused_by_the_database_layer(db: Database) -> None:
    with pytest.raises(StatementError, match="naive"), db.transaction() as session:
        session.execute(
            insert(Desk).values(id="naive", title="Naive", workflow="news", created_at=datetime(2026, 1, 1))
        )
    with db.transaction(write=False) as session:
        assert session.get(Desk, "naive") is None


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=PARIS_WINTER),
        datetime(2026, 6, 30, 23, 59, 59, tzinfo=KATHMANDU),
        datetime(1999, 12, 31, 23, 0, tzinfo=UTC),
    ],
)
def test_round_trip_returns_the_same_instant_in_utc(db: Database, moment: datetime) -> None:
    add_desk(db, "tz", moment)
    with db.transaction(write=False) as session:
        stored = session.scalar(select(Desk.created_at).where(Desk.id == "tz"))
    assert stored == moment
    assert stored is not None
    assert stored.tzinfo is UTC
    assert stored.microsecond == moment.microsecond


def test_values_compare_as_instants_in_queries(db: Database) -> None:
    with db.transaction() as session:
        session.execute(
            insert(Desk).values(
                id="tz", title="Time zones", workflow="news", created_at=datetime(2026, 1, 1, 9, tzinfo=UTC)
            )
        )
    later_in_paris = datetime(2026, 1, 1, 10, 30, tzinfo=PARIS_WINTER)
    earlier_in_paris = datetime(2026, 1, 1, 9, 30, tzinfo=PARIS_WINTER)
    with db.transaction(write=False) as session:
        assert session.scalar(select(Desk.id).where(Desk.id == "tz", Desk.created_at < later_in_paris)) == "tz"
        assert session.scalar(select(Desk.id).where(Desk.id == "tz", Desk.created_at < earlier_in_paris)) is None
