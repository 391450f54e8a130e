"""Export, import into a fresh database, export again: the same bytes, every revision intact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from editorial.app import create_app
from editorial.db import Database
from editorial.db.migrate import upgrade
from editorial.db.models import Article, Event, Revision
from editorial.lib.clock import FrozenClock
from editorial.portability import ImportRefused, export_lines, import_lines
from editorial.revisions.services import verify_all
from editorial.revisions.storage import BLOCK
from editorial.scheduling.services import fire_due
from editorial.settings import Settings
from tests.support import STORY, Actor, make_user


@pytest.fixture
def fresh(settings: Settings, fresh_database_url: str) -> Iterator[Database]:
    """An empty, migrated database on the backend under test."""
    upgrade(fresh_database_url)
    database = Database(settings.model_copy(update={"database_url": fresh_database_url}))
    yield database
    database.dispose()


def export(db: Database, **options: bool) -> str:
    with db.transaction(write=False) as session:
        return "".join(line + "\n" for line in export_lines(session, **options))


def busy_newsroom(newsroom: dict[str, Actor], db: Database, clock: FrozenClock) -> None:
    """Articles in every state, a long revision history, a schedule fired late, a desk and a person with a password."""
    writer, news_editor, checker = newsroom["writer"], newsroom["news_editor"], newsroom["fact_checker"]
    opinion_editor, admin = newsroom["opinion_editor"], newsroom["admin"]
    make_user(db, clock, "signs-in", "writer:news", password="correct horse battery")
    assert admin.post("/api/v1/desks", json={"id": "sport", "title": "Sport", "workflow": "news"}).status_code == 201
    long = writer.create(title="A long story", body="First words.")
    for n in range(BLOCK + 6):  # past a snapshot block, so some bodies are deltas on deltas
        clock.advance(timedelta(seconds=1))
        assert writer.save(long, body=f"First words.\n\nParagraph {n}: " + "more text " * n).status_code == 200
    writer.must(long, "submit")
    news_editor.must(long, "send_to_fact_check")
    checker.must(long, "pass_fact_check")
    news_editor.must(long, "publish")
    assert news_editor.save(long, title="A long story, updated", tags=["ünïcode", "tag"]).status_code == 200
    column = writer.create(desk="opinion", title="An opinion", dek="Why — and how")
    writer.must(column, "submit")
    opinion_editor.must(column, "approve")
    opinion_editor.must(column, "schedule", publish_at=(clock.now() + timedelta(minutes=5)).isoformat())
    clock.advance(timedelta(minutes=6))
    assert [o.outcome for o in fire_due(db, clock, worker="test")] == ["late"]
    returned = writer.create(title="Sent back")
    writer.must(returned, "submit")
    news_editor.must(returned, "return_to_writer", comment="Needs a source.")
    admin.create(desk="sport", title="Draft on the new desk")


def test_export_import_export_gives_the_same_bytes(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock, fresh: Database
) -> None:
    busy_newsroom(newsroom, db, clock)
    first = export(db, password_hashes=True)
    with fresh.transaction() as session:
        counts = import_lines(session, first.splitlines())
    assert counts["revision"] == (1 + BLOCK + 6 + 1) + 3  # the long story, and three of one revision each
    assert counts["schedule_firing"] == 1
    assert export(fresh, password_hashes=True) == first

    with fresh.transaction(write=False) as session:
        checked, problems = verify_all(session)
        compacted = session.scalar(select(func.count()).select_from(Revision).where(Revision.body.is_(None)))
    assert (checked, problems) == (counts["revision"], [])
    assert compacted > BLOCK  # stored as the save path stores them, not as full copies


def test_the_default_export_leaves_out_password_hashes_and_tokens(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    make_user(db, clock, "signs-in", "writer", password="correct horse battery")
    text = export(db)
    assert "argon2" not in text
    assert "token" not in text
    assert newsroom["writer"].token not in text
    assert '"password_hashes":false' in text.splitlines()[0]


def test_new_rows_continue_after_the_imported_ones(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock, fresh: Database, settings: Settings
) -> None:
    writer = newsroom["writer"]
    for n in range(3):
        writer.create(title=f"Story {n}")
    with fresh.transaction() as session:
        import_lines(session, export(db).splitlines())
    _, token = make_user(fresh, clock, "newcomer", "writer:news")
    with TestClient(create_app(fresh.settings, clock=clock, db=fresh)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        created = client.post("/api/v1/articles", json={**STORY, "title": "After the move"}, headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["id"] == 4
    with fresh.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 4
        assert list(session.scalars(select(Event.seq).order_by(Event.seq))) == [1, 2, 3, 4]


def test_a_database_with_data_is_refused(newsroom: dict[str, Actor], db: Database) -> None:
    newsroom["writer"].create()
    text = export(db)
    with pytest.raises(ImportRefused, match="not empty"), db.transaction() as session:
        import_lines(session, text.splitlines())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text.replace("Ridership doubled", "Ridership tripled"), "content hash mismatch"),
        (lambda text: "\n".join(text.splitlines()[1:]), "not an editorial export"),
        (lambda text: text.replace('"version":1', '"version":9'), "export version 9"),
        (lambda text: text + '{"kind":"webhook"}\n', "unknown kind"),
        (lambda text: text.replace('"username":"writer"', '"username":"admin"'), "the database refused a row"),
        (lambda text: text.replace('"kind":"revision"', '"kind":"desk"', 1), "sections are out of order"),
    ],
)
def test_a_damaged_file_imports_nothing(
    newsroom: dict[str, Actor], db: Database, fresh: Database, damage: object, message: str
) -> None:
    newsroom["writer"].create()
    text = damage(export(db))  # type: ignore[operator]
    with pytest.raises(ImportRefused, match=message), fresh.transaction() as session:
        import_lines(session, text.splitlines())
    with fresh.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Revision)) == 0
