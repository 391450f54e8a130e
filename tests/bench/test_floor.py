"""The floor of the bench (bench/floor.py) does the writes it claims, so its figures mean what the docs say."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from litestar.testing import TestClient

from bench import floor, seed
from bench.harness import database
from editorial.db.migrate import upgrade
from editorial.revisions.storage import decode


@pytest.mark.parametrize("driver", ["sqlite3", "sqlalchemy"])
def test_the_floor_reads_saves_packs_and_moves(driver: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "floor.db"
    upgrade(f"sqlite:///{path}")
    db = database(f"sqlite:///{path}")
    writer = seed.create_people(db)["writer"]
    article, draft = seed.create_articles(db, writer, 2, words=300)
    db.dispose()
    monkeypatch.setenv("FLOOR_DATABASE", str(path))
    monkeypatch.setenv("FLOOR_DRIVER", driver)
    rows = sqlite3.connect(path)

    with TestClient(floor.app) as client:
        read = client.get(f"/api/v1/articles/{article}")
        assert read.status_code == 200
        assert read.headers["etag"] == '"r1"'
        before = read.json()["body"]

        url = f"/api/v1/articles/{article}"
        assert client.put(url, json={"body": "x"}, headers={"If-Match": '"r7"'}).status_code == 412
        saved = client.put(url, json={"body": before + " More."}, headers={"If-Match": '"r1"'})
        assert saved.status_code == 200
        assert saved.headers["etag"] == '"r2"'
        assert saved.json()["body"] == before + " More."
        body, packed, base = rows.execute(
            "SELECT body, body_packed, body_base FROM revisions WHERE article_id = ? AND number = 1", (article,)
        ).fetchone()
        assert (body, base) == (None, 2)
        assert decode(before + " More.", packed) == before

        assert client.post(f"/api/v1/articles/{draft}/workflow/publish", json={}).status_code == 409
        moved = client.post(f"/api/v1/articles/{draft}/workflow/submit", json={})
        assert moved.status_code == 200
        assert moved.json()["state"] == "editing"

    assert isinstance(floor._connection(), floor._Through) == (driver == "sqlalchemy")
    history = rows.execute("SELECT transition, from_state, to_state FROM history WHERE article_id = ?", (draft,))
    assert ("submit", "draft", "editing") in history.fetchall()
    events = rows.execute("SELECT type, article_id FROM events ORDER BY seq DESC LIMIT 2").fetchall()
    assert events == [("article.transitioned", draft), ("article.revised", article)]


def test_statement_costs_time_each_statement_through_core_direct_and_the_driver() -> None:
    figures = floor.statement_costs(repeat=3)
    assert [label for label, *_ in figures] == [
        "SELECT an article at its head",
        "INSERT a history row",
        "an empty write transaction (ORM)",
        "an empty one (Core)",
    ]
    assert all(core > 0 and driver > 0 for _, core, _, driver in figures)
    assert [direct is not None and direct > 0 for _, _, direct, _ in figures] == [True, True, False, False]


def test_transaction_costs_run_whole_write_transactions(tmp_path: Path) -> None:
    path = tmp_path / "costs.db"
    db = database(f"sqlite:///{path}")
    try:
        figures = floor.transaction_costs(db, 3)
    finally:
        db.dispose()
    assert [label for label, _, _ in figures] == ["an empty write transaction (ORM)", "an empty one (Core)"]
    assert all(through_sqlalchemy > 0 and driver > 0 for _, through_sqlalchemy, driver in figures)
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    probe.execute("BEGIN IMMEDIATE")  # none of them left the write lock taken
    probe.execute("ROLLBACK")
    probe.close()
