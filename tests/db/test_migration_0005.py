"""Migration 0005 packs the 0004 bodies and deltas without changing a character, and its downgrade restores them."""

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
EDITS = ["Edited in revision {n}.", "東京 {n} はい.", "A 😀 and a 𝄞 in revision {n}.", "<b>bold</b> {n} & more."]
REVISIONS = 70
"""Past the first block of 64, so that a second snapshot and its deltas are converted too."""


def insert_bodies(db: Database, articles: int) -> dict[tuple[int, int], str]:
    """Full bodies, as 0001 stored them, with edits in and out of the Basic Multilingual Plane."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    bodies = {}
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (id, username, display_name, is_active, created_at) VALUES (1, 'w', 'W', :t, :n)"),
            {"t": True, "n": now.replace(tzinfo=None)},
        )
        for article in range(1, articles + 1):
            connection.execute(
                text(
                    "INSERT INTO articles (id, slug, desk_id, state, head_revision, state_changed_at, created_at,"
                    " updated_at, created_by_id) VALUES (:a, :s, 'news', 'draft', :h, :n, :n, :n, 1)"
                ),
                {"a": article, "s": f"s{article}", "h": REVISIONS, "n": now.replace(tzinfo=None)},
            )
            paragraphs = list(PARAGRAPHS)
            for number in range(1, REVISIONS + 1):
                paragraphs[(number * 7 + article) % len(paragraphs)] = EDITS[number % len(EDITS)].format(n=number)
                body = bodies[article, number] = "\n\n".join(paragraphs)
                content = {"title": "T", "dek": "", "body": body, "tags": [], "authors": ["w"]}
                connection.execute(
                    insert(Revision.__table__),
                    {
                        "article_id": article,
                        "number": number,
                        "saved_by_id": 1,
                        "saved_at": now,
                        "message": "",
                        "content_hash": content_hash(content),
                        "title": "T",
                        "dek": "",
                        "body": body,
                        "tags": [],
                        "authors": ["w"],
                    },
                )
    return bodies


def stored_rows(db: Database) -> list[tuple[object, ...]]:
    with db.engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("revisions")}
        names = [name for name in ("body", "body_base", "body_delta", "body_packed") if name in columns]
        query = f"SELECT article_id, number, {', '.join(names)} FROM revisions ORDER BY article_id, number"
        return [tuple(row) for row in connection.execute(text(query))]


def test_0004_rows_are_packed_exactly_and_the_downgrade_restores_them(fresh_database_url: str) -> None:
    upgrade(fresh_database_url, "0001")
    db = Database(Settings(database_url=fresh_database_url))
    try:
        bodies = insert_bodies(db, articles=2)
        upgrade(fresh_database_url, "0004")
        db.engine.dispose()
        before = stored_rows(db)
        assert sum(row[4] is not None for row in before) > 100  # 0002 left most bodies as deltas

        upgrade(fresh_database_url, "0005")
        db.engine.dispose()
        after = stored_rows(db)
        heads = [row for row in after if row[1] == REVISIONS]
        older = [row for row in after if row[1] != REVISIONS]
        assert all(body == bodies[article, number] and packed is None for article, number, body, _, packed in heads)
        assert all(body is None and packed is not None for _, _, body, _, packed in older)
        assert {row[:2]: row[3] for row in after} == {row[:2]: row[3] for row in before}  # the same bases
        packed_bytes = sum(len(row[4]) for row in older)
        text_bytes = sum(
            len((row[2] or "").encode()) + len((row[4] or "").encode()) for row in before if row[1] != REVISIONS
        )
        assert packed_bytes < 0.7 * text_bytes

        with db.transaction(write=False) as session:
            assert verify_all(session) == (2 * REVISIONS, [])
            assert {(a, n): body_of(session, a, n) for a, n in bodies} == bodies

        downgrade(fresh_database_url, "0004")
        db.engine.dispose()
        assert stored_rows(db) == before
    finally:
        db.dispose()
