"""Saving articles: optimistic concurrency with ETag and If-Match, no-op saves, authors, and invalid saves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from editorial.lib.clock import FrozenClock
from tests.articles.problems import assert_problem, error_fields
from tests.support import Actor

ARTICLES = "/api/v1/articles"


def put(actor: Actor, article_id: int, if_match: str | None, **changes: Any) -> Any:
    headers = {"If-Match": if_match} if if_match is not None else {}
    return actor.put(f"{ARTICLES}/{article_id}", json=changes, headers=headers)


def revision_numbers(actor: Actor, article_id: int) -> list[int]:
    return [r["number"] for r in actor.get(f"{ARTICLES}/{article_id}/revisions").json()["items"]]


def test_save_with_the_current_etag_appends_a_revision(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    clock.advance(timedelta(minutes=5))
    response = put(writer, article["id"], '"r1"', body="A new body.", message="tightened")
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"r2"'
    saved = response.json()
    assert (saved["revision"], saved["body"]) == (2, "A new body.")
    assert {k: saved[k] for k in ("title", "dek", "tags", "authors")} == {
        k: article[k] for k in ("title", "dek", "tags", "authors")
    }
    assert saved["updated_at"] == "2026-01-01T09:05:00Z"
    assert saved["created_at"] == article["created_at"]
    read = writer.get(f"{ARTICLES}/{article['id']}")
    assert read.headers["etag"] == '"r2"'
    assert read.json() == {k: v for k, v in saved.items() if k != "merged"}
    assert saved["merged"] is None
    [newest, _] = writer.get(f"{ARTICLES}/{article['id']}/revisions").json()["items"]
    assert (newest["number"], newest["message"], newest["saved_by"]) == (2, "tightened", "writer")


def test_etag_from_a_read_is_accepted_as_if_match(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    etag = writer.get(f"{ARTICLES}/{article['id']}").headers["etag"]
    assert put(writer, article["id"], etag, title="Retitled").json()["title"] == "Retitled"


def test_save_without_if_match_is_428_and_changes_nothing(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    body = assert_problem(put(writer, article["id"], None, title="Lost"), 428, "if-match-required")
    assert "If-Match" in body["detail"]
    assert writer.get(f"{ARTICLES}/{article['id']}").json() == article


def test_stale_if_match_is_412_with_the_current_revision(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = writer.create()
    assert put(editor, article["id"], '"r1"', body="The editor's body.").status_code == 200
    body = assert_problem(put(writer, article["id"], '"r1"', body="The writer's body."), 412, "stale-revision")
    assert body["current_revision"] == 2
    assert "1" in body["detail"]
    current = writer.get(f"{ARTICLES}/{article['id']}").json()
    assert (current["revision"], current["body"]) == (2, "The editor's body.")


def test_if_match_naming_a_future_revision_is_412(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    body = assert_problem(put(writer, article["id"], '"r9"', title="x"), 412, "stale-revision")
    assert body["current_revision"] == 1


def test_garbage_if_match_is_412_with_the_current_revision(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    for header in ("garbage", '"1"', '"r"', '"r-1"', '"r1", "r2"', '"r99999999999"'):
        body = assert_problem(put(writer, article["id"], header, title="x"), 412, "stale-revision")
        assert body["current_revision"] == 1, header
    assert writer.get(f"{ARTICLES}/{article['id']}").json()["title"] == article["title"]


def test_save_that_changes_nothing_adds_no_revision(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    same = {k: article[k] for k in ("title", "dek", "body", "tags", "authors")}
    response = put(writer, article["id"], '"r1"', **same, message="no change")
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"r1"'
    assert response.json() == {**article, "merged": None}
    assert put(writer, article["id"], '"r1"').json()["revision"] == 1
    assert revision_numbers(writer, article["id"]) == [1]


def test_save_of_only_a_message_adds_no_revision(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    assert put(writer, article["id"], '"r1"', message="just a note").json()["revision"] == 1
    assert revision_numbers(writer, article["id"]) == [1]


def test_tags_are_replaced_and_deduplicated(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    assert put(writer, article["id"], '"r1"', tags=["a", "b", "a"]).json()["tags"] == ["a", "b"]
    assert put(writer, article["id"], '"r2"', tags=[]).json()["tags"] == []


def test_adding_a_co_author_lets_them_view_and_edit_the_draft(newsroom: dict[str, Actor]) -> None:
    writer, outsider = newsroom["writer"], newsroom["outsider"]
    article = writer.create()
    assert_problem(outsider.get(f"{ARTICLES}/{article['id']}"), 404, "not-found")
    saved = put(writer, article["id"], '"r1"', authors=["writer", "outsider"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["authors"] == ["writer", "outsider"]
    assert outsider.get(f"{ARTICLES}/{article['id']}").status_code == 200
    assert put(outsider, article["id"], '"r2"', dek="Co-written.").json()["dek"] == "Co-written."


def test_removing_an_author_takes_away_their_view(newsroom: dict[str, Actor]) -> None:
    writer, outsider = newsroom["writer"], newsroom["outsider"]
    article = writer.create()
    put(writer, article["id"], '"r1"', authors=["writer", "outsider"])
    assert put(writer, article["id"], '"r2"', authors=["writer"]).json()["authors"] == ["writer"]
    assert_problem(outsider.get(f"{ARTICLES}/{article['id']}"), 404, "not-found")


def test_authors_filter_follows_the_byline(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    put(writer, article["id"], '"r1"', authors=["writer2", "writer"])
    listed = writer.get(ARTICLES, params={"author": "writer2"}).json()["items"]
    assert [a["id"] for a in listed] == [article["id"]]


def test_unknown_author_is_422_and_changes_nothing(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    body = assert_problem(put(writer, article["id"], '"r1"', authors=["writer", "ghost", "nobody"]), 422)
    assert body["errors"] == [{"field": "authors", "message": "unknown users: ghost, nobody"}]
    assert writer.get(f"{ARTICLES}/{article['id']}").json()["authors"] == ["writer"]
    assert revision_numbers(writer, article["id"]) == [1]


def test_empty_authors_is_422(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    assert error_fields(assert_problem(put(writer, article["id"], '"r1"', authors=[]), 422)) == ["authors"]


def test_null_content_fields_are_422_naming_each(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    for fields in (["title"], ["body"], ["dek"], ["tags"], ["authors"], ["title", "body", "tags"]):
        body = assert_problem(put(writer, article["id"], '"r1"', **dict.fromkeys(fields)), 422, "invalid-input")
        assert sorted(error_fields(body)) == sorted(fields)
    assert writer.get(f"{ARTICLES}/{article['id']}").json()["revision"] == 1


def test_wrong_types_in_a_save_are_422_listing_each_field(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    response = put(writer, article["id"], '"r1"', title=5, body=["x"], tags="news", authors="writer", message=1)
    body = assert_problem(response, 422, "invalid-input")
    assert sorted(error_fields(body)) == ["authors", "body", "message", "tags", "title"]


def test_oversized_fields_in_a_save_are_422(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    response = put(writer, article["id"], '"r1"', title="x" * 301, body="y" * 2_000_001, message="m" * 1001)
    assert sorted(error_fields(assert_problem(response, 422))) == ["body", "message", "title"]


def test_empty_title_is_422(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    assert error_fields(assert_problem(put(writer, article["id"], '"r1"', title=""), 422)) == ["title"]


def test_save_to_an_unknown_article_is_404(newsroom: dict[str, Actor]) -> None:
    assert_problem(put(newsroom["admin"], 4242, '"r1"', title="x"), 404, "not-found")


def test_a_desk_member_who_may_view_but_not_edit_gets_403(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    for who in ("writer2", "fact_checker", "publisher", "robot"):
        body = assert_problem(put(newsroom[who], article["id"], '"r1"', title="Not mine"), 403, "not-permitted")
        assert "draft" in body["detail"]
    assert writer.get(f"{ARTICLES}/{article['id']}").json()["title"] == article["title"]


def test_a_desk_editor_may_save_a_writers_draft(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create()
    saved = put(newsroom["news_editor"], article["id"], '"r1"', title="Edited")
    assert saved.status_code == 200, saved.text
    assert saved.json()["authors"] == ["writer"]


def test_save_by_someone_who_cannot_see_the_article_is_404_not_403(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create()
    for who in ("outsider", "opinion_editor"):
        assert_problem(put(newsroom[who], article["id"], '"r1"', title="x"), 404, "not-found")
