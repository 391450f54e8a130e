"""The public side shows live revisions of published articles and nothing else, ever."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import feedparser
import pytest

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.scheduling.services import fire_due
from tests.support import Actor

STATES = ["draft", "editing", "fact_check", "ready", "scheduled", "published", "unpublished"]


def drive(newsroom: dict[str, Actor], clock: FrozenClock, state: str, marker: str) -> dict[str, Any]:
    """An opinion piece in ``state`` whose title, dek and body carry ``marker`` (its slug does not)."""
    slug = f"piece-{len(marker)}-{abs(hash(marker)) % 10**8}"
    writer, editor, publisher = newsroom["writer"], newsroom["opinion_editor"], newsroom["publisher"]
    article = writer.create(
        desk="opinion", title=f"Piece {marker}", dek=f"Dek {marker}", body=f"Body {marker}.", tags=["ferry"], slug=slug
    )
    steps = {
        "editing": [(writer, "submit", {})],
        "fact_check": [(writer, "submit", {}), (editor, "send_to_fact_check", {})],
        "ready": [(writer, "submit", {}), (editor, "approve", {})],
        "scheduled": [
            (writer, "submit", {}),
            (editor, "approve", {}),
            (publisher, "schedule", {"publish_at": (clock.now() + timedelta(hours=1)).isoformat()}),
        ],
        "published": [(writer, "submit", {}), (editor, "approve", {}), (publisher, "publish", {})],
        "unpublished": [
            (writer, "submit", {}),
            (editor, "approve", {}),
            (publisher, "publish", {}),
            (editor, "unpublish", {"comment": "down"}),
        ],
    }
    for actor, transition, fields in steps.get(state, []):
        article = actor.must(article, transition, **fields)
    return article


def public_text(client: Any, slug: str) -> str:
    """Everything the public side serves, as one string to search."""
    return "".join(
        client.get(url).text
        for url in ("/public/articles", f"/public/articles/{slug}", "/feeds/opinion.atom", "/public/articles?tag=ferry")
    )


@pytest.mark.parametrize("state", STATES)
def test_only_a_published_article_is_public(newsroom: dict[str, Actor], clock: FrozenClock, state: str) -> None:
    marker = f"marker-{state}"
    article = drive(newsroom, clock, state, marker)
    client = newsroom["writer"].client
    response = client.get(f"/public/articles/{article['slug']}")
    if state == "published":
        assert response.status_code == 200
        assert response.json()["body"] == f"Body {marker}."
        assert marker in public_text(client, article["slug"])
    else:
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert marker not in public_text(client, article["slug"])


def test_an_update_in_progress_never_leaks(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    article = drive(newsroom, clock, "published", "live-text")
    editor = newsroom["opinion_editor"]
    editor.save(article, body="Unreviewed draft-text.")
    client = editor.client
    assert client.get(f"/public/articles/{article['slug']}").json()["body"] == "Body live-text."
    assert "draft-text" not in public_text(client, article["slug"])
    editor.must(article, "approve")
    newsroom["publisher"].must(article, "schedule", publish_at=(clock.now() + timedelta(hours=1)).isoformat())
    assert "draft-text" not in public_text(client, article["slug"]), "a scheduled update shows before it is due"


def test_scheduled_article_appears_when_the_scheduler_publishes_it(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    article = drive(newsroom, clock, "scheduled", "due-later")
    client = newsroom["writer"].client
    assert client.get(f"/public/articles/{article['slug']}").status_code == 404
    clock.advance(timedelta(hours=1))
    fire_due(db, clock, worker="test")
    assert client.get(f"/public/articles/{article['slug']}").json()["body"] == "Body due-later."


def test_corrections_are_listed_and_old_live_bodies_read_exactly(
    newsroom: dict[str, Actor], clock: FrozenClock
) -> None:
    article = drive(newsroom, clock, "published", "v1")
    editor, publisher = newsroom["opinion_editor"], newsroom["publisher"]
    editor.save(article, body="Body v2, corrected.")
    editor.must(article, "approve")
    publisher.must(article, "publish", correction="We misstated the ferry's route.")
    editor.save(article, body="Body v3, not yet reviewed.")  # the live revision is now stored as a delta
    public = editor.client.get(f"/public/articles/{article['slug']}").json()
    assert public["body"] == "Body v2, corrected."
    assert [c["note"] for c in public["corrections"]] == ["We misstated the ferry's route."]
    assert public["authors"] == ["Writer"]


def test_listing_filters_and_pages(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    slugs = []
    for n in range(5):
        slugs.append(drive(newsroom, clock, "published", f"n{n}")["slug"])
        clock.advance(timedelta(minutes=1))
    client = newsroom["writer"].client
    first = client.get("/public/articles", params={"limit": 2}).json()
    second = client.get("/public/articles", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("/public/articles", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [a["slug"] for a in first["items"] + second["items"] + third["items"]] == list(reversed(slugs))
    assert third["next_cursor"] is None
    assert client.get("/public/articles", params={"desk": "news"}).json()["items"] == []
    assert client.get("/public/articles", params={"tag": "ferr"}).json()["items"] == []
    assert len(client.get("/public/articles", params={"tag": "ferry"}).json()["items"]) == 5


def test_atom_feed_parses_and_carries_live_articles(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    published = drive(newsroom, clock, "published", "atom-live")
    drive(newsroom, clock, "ready", "atom-ready")
    response = newsroom["writer"].client.get("/feeds/opinion.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    [entry] = parsed.entries
    assert entry.title == published["title"]
    assert entry.link.endswith(f"/public/articles/{published['slug']}")
    assert entry.content[0].value == "Body atom-live."
    assert newsroom["writer"].client.get("/feeds/sports.atom").status_code == 404
    assert newsroom["writer"].client.get("/feeds/opinion.rss").status_code == 404
