"""What editors see: the schedule listing, and the iCalendar feed with its revocable feed tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import icalendar

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.scheduling.services import fire_due
from tests.scheduling.test_scheduler import ready, schedule
from tests.support import Actor


def test_schedule_lists_upcoming_and_recent_firings(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    soon = schedule(newsroom, clock, timedelta(hours=1), unpublish_at=(clock.now() + timedelta(days=2)).isoformat())
    later = schedule(newsroom, clock, timedelta(hours=5))
    body = newsroom["opinion_editor"].get("/api/v1/schedule").json()
    assert [(i["article"], i["action"]) for i in body["upcoming"]] == [
        (soon["id"], "publish"),
        (later["id"], "publish"),
        (soon["id"], "unpublish"),
    ]
    assert body["recent"] == []
    clock.advance(timedelta(hours=2))
    fire_due(db, clock, worker="w1")
    body = newsroom["opinion_editor"].get("/api/v1/schedule").json()
    assert [(r["article"], r["outcome"], r["worker"]) for r in body["recent"]] == [(soon["id"], "late", "w1")]
    assert newsroom["news_editor"].get("/api/v1/schedule").json() == {"upcoming": [], "recent": []}
    assert newsroom["opinion_editor"].get("/api/v1/schedule", params={"desk": "news"}).json()["upcoming"] == []


def test_schedule_window_must_be_aware_and_ordered(newsroom: dict[str, Actor]) -> None:
    editor = newsroom["opinion_editor"]
    assert editor.get("/api/v1/schedule", params={"from": "2026-01-01T00:00:00"}).status_code == 422
    backwards = editor.get("/api/v1/schedule", params={"from": "2026-01-05T00:00:00Z", "to": "2026-01-01T00:00:00Z"})
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "to"


def parse(response: Any) -> list[icalendar.Event]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


def test_ical_feed_parses_with_one_event_per_scheduled_item(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    article = schedule(newsroom, clock, timedelta(hours=1))
    events = parse(newsroom["opinion_editor"].get("/api/v1/schedule.ics"))
    [event] = events
    assert event["UID"] == f"publish-{article['id']}@testserver.local"
    assert event.decoded("DTSTART") == clock.now() + timedelta(hours=1)
    assert str(event["SUMMARY"]) == f"Publish [opinion] {article['title']}"


def test_ical_escapes_and_folds_long_titles(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    title = "Ferries, buses; and trains: a very long headline about Zürich's 東京 transport plans " * 2
    article = ready(newsroom, title=title.strip())
    newsroom["publisher"].must(article, "schedule", publish_at=(clock.now() + timedelta(hours=1)).isoformat())
    response = newsroom["opinion_editor"].get("/api/v1/schedule.ics")
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))
    [event] = parse(response)
    assert str(event["SUMMARY"]) == f"Publish [opinion] {title.strip()}"


def test_feed_token_reads_the_feed_and_nothing_else(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    editor = newsroom["opinion_editor"]
    schedule(newsroom, clock, timedelta(hours=1))
    created = editor.post("/api/v1/schedule/feed-tokens")
    assert created.status_code == 201
    feed = created.json()
    anonymous = editor.client
    assert len(parse(anonymous.get(feed["url"]))) == 1
    refused = anonymous.get("/api/v1/articles", headers={"Authorization": f"Bearer {feed['token']}"})
    assert refused.status_code == 403
    assert "calendar:read" in refused.json()["detail"]
    api_token_in_url = anonymous.get("/api/v1/schedule.ics", params={"token": editor.token})
    assert api_token_in_url.status_code == 403
    assert anonymous.get("/api/v1/schedule.ics").status_code == 401
    assert editor.delete(f"/api/v1/schedule/feed-tokens/{feed['prefix']}").status_code == 204
    assert anonymous.get(feed["url"]).status_code == 401


def test_one_cannot_revoke_another_users_feed_token(newsroom: dict[str, Actor]) -> None:
    feed = newsroom["opinion_editor"].post("/api/v1/schedule/feed-tokens").json()
    assert newsroom["writer"].delete(f"/api/v1/schedule/feed-tokens/{feed['prefix']}").status_code == 404


def test_feed_token_works_as_a_bearer_header_too_and_content_type_is_single(
    newsroom: dict[str, Actor], clock: FrozenClock
) -> None:
    feed = newsroom["opinion_editor"].post("/api/v1/schedule/feed-tokens").json()
    response = newsroom["writer"].client.get(
        "/api/v1/schedule.ics", headers={"Authorization": f"Bearer {feed['token']}"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"


def test_the_feed_token_endpoint_cannot_revoke_an_api_token(newsroom: dict[str, Actor]) -> None:
    editor, admin = newsroom["opinion_editor"], newsroom["admin"]
    api_token = admin.post("/api/v1/users/opinion-editor/tokens", json={"name": "api"}).json()
    assert editor.delete(f"/api/v1/schedule/feed-tokens/{api_token['prefix']}").status_code == 404
    assert Actor(editor.client, "opinion-editor", api_token["token"]).get("/api/v1/me").status_code == 200
