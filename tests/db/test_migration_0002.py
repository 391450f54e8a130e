"""Migration 0002 compacts existing revisions without changing a byte of them, and its downgrade undoes it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, inspect, text

from editorial.db import Database
from editorial.db.migrate import downgrade, upgrade
from editorial.db.models import Revision
from editorial.revisions.services import content_hash, verify_all
from editorial.revisions.storage import body_of
from editorial.settings import Settings

PARAGRAPHS = [f"Paragraph {n} of a long story about the harbour ferry and the council." for n in range(60)]


def bodies_by_number(db: Database) -> dict[int, str | None]:
    with db.engine.connect() as connection:
        return dict(connection.execute(text("SELECT number, body FROM revisions ORDER BY number")).all())


def test_existing_revisions_are_compacted_and_rebuild_exactly(fresh_database_url: str) -> None:
    upgrade(fresh_database_url, "0001")
    db = Database(Settings(database_url=fresh_database_url))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    bodies = {}
    try:
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, display_name, is_active, created_at) VALUES (1, 'w', 'W', :t, :n)"
                ),
                {"t": True, "n": now.replace(tzinfo=None)},
            )
            connection.execute(
                text(
                    "INSERT INTO articles (id, slug, desk_id, state, head_revision, state_changed_at, created_at,"
                    " updated_at, created_by_id) VALUES (1, 's', 'news', 'draft', 12, :n, :n, :n, 1)"
                ),
                {"n": now.replace(tzinfo=None)},
            )
            for number in range(1, 13):
                paragraphs = list(PARAGRAPHS)
                paragraphs[number] = f"Edited in revision {number}."
                bodies[number] = "\n\n".join(paragraphs)
                content = {"title": "T", "dek": "", "body": bodies[number], "tags": [], "authors": ["w"]}
                connection.execute(
                    insert(Revision.__table__),
                    {
                        "article_id": 1,
                        "number": number,
                        "saved_by_id": 1,
                        "saved_at": now,
                        "message": "",
                        "content_hash": content_hash(content),
                        "title": "T",
                        "dek": "",
                        "body": bodies[number],
                        "tags": [],
                        "authors": ["w"],
                    },
                )
        upgrade(fresh_database_url, "0002")
        db.engine.dispose()
        stored = bodies_by_number(db)
        assert stored[1] == bodies[1]
        assert stored[12] == bodies[12]
        assert all(stored[n] is None for n in range(2, 12))

        upgrade(fresh_database_url)  # the code reads the current representation (0005 packs the 0002 deltas)
        db.engine.dispose()
        with db.transaction(write=False) as session:
            assert verify_all(session) == (12, [])
            assert {n: body_of(session, 1, n) for n in range(1, 13)} == bodies

        downgrade(fresh_database_url, "0001")
        db.engine.dispose()
        assert bodies_by_number(db) == bodies
        columns = {column["name"] for column in inspect(db.engine).get_columns("revisions")}
        assert "body_delta" not in columns
    finally:
        db.dispose()
