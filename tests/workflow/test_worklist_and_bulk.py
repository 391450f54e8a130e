"""The worklist (what each person can act on now), bulk actions, history, and transition field rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support import Actor


def worklist(actor: Actor, **params: Any) -> list[tuple[int, str, list[str]]]:
    response = actor.get("/api/v1/worklist", params=params)
    assert response.status_code == 200, response.text
    return [(item["id"], item["state"], item["transitions"]) for item in response.json()["items"]]


def test_each_role_sees_what_it_can_act_on(newsroom: dict[str, Actor], clock: Any) -> None:
    writer, editor, checker = newsroom["writer"], newsroom["news_editor"], newsroom["fact_checker"]
    draft = writer.create(title="Draft one")
    clock.advance(timedelta(minutes=1))
    editing = writer.create(title="In editing")
    writer.must(editing, "submit")
    clock.advance(timedelta(minutes=1))
    checking = writer.create(title="In fact-check")
    writer.must(checking, "submit")
    editor.must(checking, "send_to_fact_check")
    opinion = writer.create(desk="opinion", title="A column")
    writer.must(opinion, "submit")

    assert worklist(writer) == [(draft["id"], "draft", ["submit"])]
    assert worklist(editor) == [(editing["id"], "editing", ["return_to_writer", "send_to_fact_check"])]
    assert worklist(checker) == [(checking["id"], "fact_check", ["pass_fact_check", "fail_fact_check"])]
    assert [i for i, _, _ in worklist(newsroom["opinion_editor"])] == [opinion["id"]]
    assert worklist(newsroom["outsider"]) == []


def test_worklist_is_oldest_first_with_time_in_state(newsroom: dict[str, Actor], clock: Any) -> None:
    writer = newsroom["writer"]
    first = writer.create(title="First")
    clock.advance(timedelta(hours=2))
    second = writer.create(title="Second")
    clock.advance(timedelta(minutes=30))
    items = writer.get("/api/v1/worklist").json()["items"]
    assert [i["id"] for i in items] == [first["id"], second["id"]]
    assert [i["seconds_in_state"] for i in items] == [9000, 1800]


def test_worklist_pages_without_gaps_and_filters_by_desk(newsroom: dict[str, Actor], clock: Any) -> None:
    writer = newsroom["writer"]
    created = []
    for n in range(7):
        created.append(writer.create(title=f"Story {n}", desk="news" if n % 2 else "opinion")["id"])
        clock.advance(timedelta(seconds=1 if n != 3 else 0))
    seen, cursor = [], None
    while True:
        page = writer.get("/api/v1/worklist", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == created
    assert [i for i, _, _ in worklist(writer, desk="news")] == [a for n, a in enumerate(created) if n % 2]


def test_fact_checker_who_is_author_still_sees_the_item_but_only_fail(newsroom: dict[str, Actor]) -> None:
    writer, editor, checker = newsroom["writer"], newsroom["news_editor"], newsroom["fact_checker"]
    article = writer.create()
    writer.save(article, authors=["writer", "fact-checker"])
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    assert worklist(checker) == [(article["id"], "fact_check", ["fail_fact_check"])]


def test_bulk_reports_every_item_and_keeps_the_successes(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    one, two, three = (writer.create(title=f"Bulk {n}") for n in range(3))
    for article in (one, two):
        writer.must(article, "submit")
    response = editor.post(
        "/api/v1/workflow/bulk",
        json={
            "items": [
                {"article": one["id"], "transition": "send_to_fact_check"},
                {"article": two["id"], "transition": "return_to_writer"},
                {"article": three["id"], "transition": "send_to_fact_check"},
                {"article": 999999, "transition": "send_to_fact_check"},
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (1, 3)
    assert [(r["article"], r["status"]) for r in body["results"]] == [
        (one["id"], 200),
        (two["id"], 422),
        (three["id"], 409),
        (999999, 404),
    ]
    assert body["results"][1]["problem"]["errors"][0]["field"] == "comment"
    assert editor.get(f"/api/v1/articles/{one['id']}").json()["state"] == "fact_check"
    assert editor.get(f"/api/v1/articles/{two['id']}").json()["state"] == "editing"
    assert len(editor.get(f"/api/v1/articles/{one['id']}/history").json()["items"]) == 2


def test_bulk_is_bounded(newsroom: dict[str, Actor]) -> None:
    items = [{"article": 1, "transition": "submit"}] * 101
    assert newsroom["writer"].post("/api/v1/workflow/bulk", json={"items": items}).status_code == 422
    assert newsroom["writer"].post("/api/v1/workflow/bulk", json={"items": []}).status_code == 422


def ready_article(newsroom: dict[str, Actor]) -> dict[str, Any]:
    writer, editor = newsroom["writer"], newsroom["opinion_editor"]
    article = writer.create(desk="opinion")
    writer.must(article, "submit")
    return editor.must(article, "approve")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "publish_at", "schedule requires publish_at"),
        ({"publish_at": "2026-01-01T12:00:00"}, "publish_at", "give a time zone offset or Z"),
        ({"publish_at": "2025-12-31T12:00:00Z"}, "publish_at", "must be in the future"),
        (
            {"publish_at": "2026-01-02T12:00:00+02:00", "unpublish_at": "2026-01-02T09:00:00Z"},
            "unpublish_at",
            "must be after publish_at",
        ),
        ({"publish_at": "next tuesday"}, "publish_at", ""),
    ],
)
def test_schedule_field_rules(newsroom: dict[str, Actor], fields: dict[str, str], field: str, message: str) -> None:
    article = ready_article(newsroom)
    response = newsroom["publisher"].fire(article, "schedule", **fields)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and message in e["message"] for e in errors), errors
    assert newsroom["publisher"].get(f"/api/v1/articles/{article['id']}").json()["state"] == "ready"


def test_schedule_stores_utc_and_a_transition_refuses_fields_it_does_not_take(newsroom: dict[str, Actor]) -> None:
    article = ready_article(newsroom)
    publisher = newsroom["publisher"]
    wrong = publisher.fire(article, "publish", publish_at="2026-02-01T10:00:00Z")
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [{"field": "publish_at", "message": "publish does not take publish_at"}]
    scheduled = publisher.must(article, "schedule", publish_at="2026-01-02T12:00:00+02:00")
    assert scheduled["publish_at"].startswith("2026-01-02T10:00:00")
    assert publisher.must(article, "unschedule")["publish_at"] is None


def test_history_is_paged_oldest_first(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = writer.create()
    for _ in range(3):
        writer.must(article, "submit")
        editor.must(article, "return_to_writer", comment="Again.")
    first = writer.get(f"/api/v1/articles/{article['id']}/history", params={"limit": 4}).json()
    rest = writer.get(
        f"/api/v1/articles/{article['id']}/history", params={"limit": 4, "cursor": first["next_cursor"]}
    ).json()
    transitions = [h["transition"] for h in first["items"] + rest["items"]]
    assert transitions == ["submit", "return_to_writer"] * 3
    assert rest["next_cursor"] is None
    assert newsroom["outsider"].get(f"/api/v1/articles/{article['id']}/history").status_code == 404


def test_unknown_transition_is_404_and_explain_names_the_reason(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create()
    assert newsroom["writer"].fire(article, "teleport").status_code == 404
    explained = newsroom["robot"].get(f"/api/v1/articles/{article['id']}/workflow", params={"explain": "true"}).json()
    assert explained["transitions"] == []
    reasons = {u["id"]: u["reason"] for u in explained["unavailable"]}
    assert "author" in reasons["submit"]
    assert "not available in state draft" in reasons["publish"]
